//! Failures pause only their partition and retry with backoff; panics and undecodable payloads
//! are errors, not crashes; nothing is skipped.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use karafka::routing::{Routes, Topic};
use karafka::{async_trait, Consumer, Context, Shutdown};
use karafka_integration_tests::*;

/// Fails on partition 0, offset 5 until its third attempt; marks each message it handles.
struct FailsTwice {
    log: Log,
    attempts_at_five: Arc<Mutex<Vec<(u32, Instant)>>>,
}

#[async_trait]
impl Consumer for FailsTwice {
    async fn consume(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        for message in ctx.messages() {
            if message.partition() == 0 && message.offset() == 5 {
                self.attempts_at_five
                    .lock()
                    .unwrap()
                    .push((ctx.attempt(), Instant::now()));
                anyhow::ensure!(ctx.attempt() >= 3, "flaky dependency");
            }
            self.log.record(message, ctx.attempt());
            ctx.mark_as_consumed(message);
        }
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_message_is_retried_with_growing_pauses_while_other_partitions_flow() {
    logs();
    let topic = unique("retry");
    let group = unique("retry-group");
    create_topic(&topic, 2).await;
    let payloads: Vec<String> = (0..10).map(|i| format!("{{\"n\":{i}}}")).collect();
    let payloads: Vec<&str> = payloads.iter().map(String::as_str).collect();
    produce_to(&topic, 0, &payloads).await;
    produce_to(&topic, 1, &payloads[..3]).await;

    let log = Log::default();
    let attempts = Arc::new(Mutex::new(Vec::new()));
    let settings = karafka::Config {
        pause_timeout: Duration::from_millis(1_000),
        pause_max_timeout: Duration::from_millis(4_000),
        ..config(&group)
    };
    let (consumer_log, consumer_attempts) = (log.clone(), Arc::clone(&attempts));
    let server = RunningServer::start(
        settings,
        Routes::new().topic(Topic::new(&topic).consumer_with(move || FailsTwice {
            log: consumer_log.clone(),
            attempts_at_five: Arc::clone(&consumer_attempts),
        })),
    );

    // While partition 0 is paused after its first failure, partition 1 keeps consuming.
    let first_failure = wait_for(|| attempts.lock().unwrap().first().map(|(_, at)| *at)).await;
    produce_to(&topic, 1, &payloads[3..6]).await;
    log.wait_until(Duration::from_secs(20), "partition 0 done", |handled| {
        handled.iter().any(|h| h.partition == 0 && h.offset == 9)
    })
    .await;
    assert!(matches!(server.stop().await, Shutdown::Graceful));

    let attempts = attempts.lock().unwrap().clone();
    assert_eq!(
        attempts.iter().map(|(a, _)| *a).collect::<Vec<_>>(),
        vec![1, 2, 3]
    );
    let first_pause = attempts[1].1 - attempts[0].1;
    let second_pause = attempts[2].1 - attempts[1].1;
    assert!(
        first_pause >= Duration::from_millis(1_000),
        "{first_pause:?}"
    );
    assert!(
        second_pause >= Duration::from_millis(2_000),
        "pauses double: {second_pause:?}"
    );

    let handled = log.snapshot();
    let partition_0: Vec<(i64, u32)> = handled
        .iter()
        .filter(|h| h.partition == 0)
        .map(|h| (h.offset, h.attempt))
        .collect();
    let expected: Vec<(i64, u32)> = (0..5)
        .map(|o| (o, 1))
        .chain((5..10).map(|o| (o, 3)))
        .collect();
    assert_eq!(
        partition_0, expected,
        "marked messages are not redone; later ones waited"
    );

    let success_at_five = attempts[2].1;
    let late_partition_1: Vec<&Handled> = handled
        .iter()
        .filter(|h| h.partition == 1 && h.offset >= 3)
        .collect();
    assert_eq!(late_partition_1.len(), 3);
    assert!(
        late_partition_1
            .iter()
            .all(|h| h.at > first_failure && h.at < success_at_five),
        "partition 1 was consumed during partition 0's pause"
    );
    assert_eq!(
        committed_offsets(&group, &topic, 2),
        vec![Some(10), Some(6)]
    );
}

/// Panics once on partition 0, offset 1; fails to decode whatever is not JSON.
struct Fragile {
    log: Log,
    attempts_at_bad: Arc<Mutex<u32>>,
}

#[async_trait]
impl Consumer for Fragile {
    async fn consume(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        for message in ctx.messages() {
            if message.partition() == 0 && message.offset() == 1 && ctx.attempt() == 1 {
                panic!("a bug in the handler");
            }
            if message.partition() == 0 && message.offset() == 3 {
                *self.attempts_at_bad.lock().unwrap() += 1;
            }
            let _: serde_json::Value = message.payload()?;
            self.log.record(message, ctx.attempt());
            ctx.mark_as_consumed(message);
        }
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn panics_and_undecodable_payloads_are_retried_not_crashes() {
    logs();
    let topic = unique("fragile");
    let group = unique("fragile-group");
    create_topic(&topic, 2).await;
    produce_to(&topic, 0, &["{}", "{}", "{}", "not json", "{}"]).await;
    produce_to(&topic, 1, &["{}", "{}", "{}"]).await;

    let log = Log::default();
    let attempts_at_bad = Arc::new(Mutex::new(0));
    let (consumer_log, consumer_attempts) = (log.clone(), Arc::clone(&attempts_at_bad));
    let server = RunningServer::start(
        config(&group),
        Routes::new().topic(Topic::new(&topic).consumer_with(move || Fragile {
            log: consumer_log.clone(),
            attempts_at_bad: Arc::clone(&consumer_attempts),
        })),
    );
    wait_for(|| (*attempts_at_bad.lock().unwrap() >= 3).then_some(())).await;
    log.wait_until(Duration::from_secs(20), "partition 1", |handled| {
        handled.iter().filter(|h| h.partition == 1).count() == 3
    })
    .await;
    assert!(
        matches!(server.stop().await, Shutdown::Graceful),
        "the process survived"
    );

    let partition_0: Vec<(i64, u32)> = log
        .snapshot()
        .iter()
        .filter(|h| h.partition == 0)
        .map(|h| (h.offset, h.attempt))
        .collect();
    assert_eq!(
        partition_0,
        vec![(0, 1), (1, 2), (2, 2)],
        "the panic was retried; 4 never ran"
    );
    assert_eq!(
        committed_offsets(&group, &topic, 2),
        vec![Some(3), Some(3)],
        "partition 0 stops exactly at the undecodable message"
    );
}

/// Polls `probe` every 20 ms until it yields a value; panics after 30 s.
async fn wait_for<T>(mut probe: impl FnMut() -> Option<T>) -> T {
    let started = Instant::now();
    loop {
        if let Some(value) = probe() {
            return value;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "condition never held"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
