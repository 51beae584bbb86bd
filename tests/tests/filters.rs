//! Filtering layers against the real broker: per-message filters, expiry, delays and throttling,
//! all by pausing the partition, with dropped offsets still marked.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use karafka::middleware::{DeadLetterQueue, Verdict};
use karafka::routing::{Routes, Topic};
use karafka::{async_trait, Consumer, Context, Record, Shutdown};
use karafka_integration_tests::*;
use serde_json::{json, Value};

/// Records and marks every message as it goes; fails those with `"bad": true`.
#[derive(Clone)]
struct Recorder(Log);

#[async_trait]
impl Consumer for Recorder {
    async fn consume(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        for message in ctx.messages() {
            let payload: Value = message.payload()?;
            anyhow::ensure!(
                payload["bad"] != json!(true),
                "bad payload {}",
                payload["n"]
            );
            self.0.record(message, ctx.attempt());
            ctx.mark_as_consumed(message);
        }
        Ok(())
    }
}

fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

async fn produce_numbered(topic: &str, numbers: impl IntoIterator<Item = (i64, Option<i64>)>) {
    let records = numbers.into_iter().map(|(n, timestamp)| {
        let record = Record::json(topic, &json!({"n": n})).unwrap().partition(0);
        match timestamp {
            Some(millis) => record.timestamp_millis(millis),
            None => record,
        }
    });
    producer().produce_many_sync(records).await.unwrap();
}

async fn run(
    name: &str,
    topic: impl FnOnce(String) -> Topic,
    expected: usize,
    produce: impl AsyncFnOnce(&str),
) -> (Log, Vec<Option<i64>>) {
    let (source, group) = (unique(name), unique(&format!("{name}-group")));
    create_topic(&source, 1).await;
    produce(&source).await;
    let log = Log::default();
    let recorder = Recorder(log.clone());
    let server = RunningServer::start(
        config(&group),
        Routes::new().topic(topic(source.clone()).consumer_with(move || recorder.clone())),
    );
    log.wait_until(Duration::from_secs(30), "the kept messages", |h| {
        h.len() >= expected
    })
    .await;
    // Offsets of dropped messages get marked too; give the interval commit a moment.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(matches!(server.stop().await, Shutdown::Graceful));
    (log, committed_offsets(&group, &source, 1))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_filter_drops_or_pauses_per_message() {
    logs();
    let paused_once = Arc::new(AtomicBool::new(false));
    let filter = move |message: &karafka::Message| {
        let n = message.payload::<Value>().unwrap()["n"].as_i64().unwrap();
        if n == 3 && !paused_once.swap(true, Ordering::SeqCst) {
            Verdict::Pause(Duration::from_millis(1_000))
        } else if n % 2 == 0 {
            Verdict::Drop
        } else {
            Verdict::Keep
        }
    };
    let (log, committed) = run(
        "filter",
        |source| Topic::new(source).filter(filter),
        3,
        async |topic| produce_numbered(topic, (0..6).map(|n| (n, None))).await,
    )
    .await;
    let handled = log.snapshot();
    assert_eq!(
        handled.iter().map(|h| h.offset).collect::<Vec<_>>(),
        vec![1, 3, 5]
    );
    assert!(
        handled[1].at - handled[0].at >= Duration::from_millis(1_000),
        "paused before 3"
    );
    assert_eq!(committed, vec![Some(6)], "dropped offsets are marked");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_messages_are_left_out_and_marked() {
    let hour_ago = now_millis() - 3_600_000;
    let (log, committed) = run(
        "expire",
        |source| Topic::new(source).expire_in(Duration::from_secs(600)),
        2,
        async |topic| {
            let now = now_millis();
            produce_numbered(
                topic,
                [
                    (0, Some(hour_ago)),
                    (1, Some(hour_ago)),
                    (2, Some(now)),
                    (3, Some(hour_ago)),
                    (4, Some(now)),
                ],
            )
            .await
        },
    )
    .await;
    assert_eq!(
        log.snapshot().iter().map(|h| h.offset).collect::<Vec<_>>(),
        vec![2, 4]
    );
    assert_eq!(committed, vec![Some(5)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delayed_messages_wait_until_they_are_old_enough() {
    let produced = Arc::new(std::sync::Mutex::new(None));
    let at = Arc::clone(&produced);
    let (log, committed) = run(
        "delay",
        |source| Topic::new(source).delay_by(Duration::from_millis(1_500)),
        3,
        async move |topic| {
            *at.lock().unwrap() = Some(Instant::now());
            produce_numbered(topic, (0..3).map(|n| (n, None))).await
        },
    )
    .await;
    let produced = produced.lock().unwrap().unwrap();
    for handled in log.snapshot() {
        assert!(
            handled.at - produced >= Duration::from_millis(1_400),
            "{:?}",
            handled.at - produced
        );
    }
    assert_eq!(committed, vec![Some(3)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_lets_at_most_the_limit_through_per_interval() {
    let (log, committed) = run(
        "throttle",
        |source| Topic::new(source).throttle(3, Duration::from_millis(1_000)),
        9,
        async |topic| produce_numbered(topic, (0..9).map(|n| (n, None))).await,
    )
    .await;
    let handled = log.snapshot();
    assert_eq!(
        handled.iter().map(|h| h.offset).collect::<Vec<_>>(),
        (0..9).collect::<Vec<_>>()
    );
    for run in handled.windows(4) {
        assert!(
            run[3].at - run[0].at >= Duration::from_millis(900),
            "{:?}",
            run[3].at - run[0].at
        );
    }
    assert_eq!(committed, vec![Some(9)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expiry_and_a_dead_letter_queue_combine_on_one_topic() {
    let dlq = unique("combined-dlq");
    create_topic(&dlq, 1).await;
    let hour_ago = now_millis() - 3_600_000;
    let dlq_topic = dlq.clone();
    let (log, committed) = run(
        "combined",
        move |source| {
            Topic::new(source)
                .expire_in(Duration::from_secs(600))
                .dead_letter_queue(DeadLetterQueue::new(dlq_topic).max_retries(0))
        },
        2,
        async |topic| {
            let records = [
                json!({"n": 0}),
                json!({"n": 1, "bad": true}),
                json!({"n": 2, "bad": true}),
                json!({"n": 3}),
            ]
            .into_iter()
            .enumerate()
            .map(|(i, payload)| {
                let record = Record::json(topic, &payload).unwrap().partition(0);
                // The second bad message is old: it expires instead of failing.
                if i == 2 {
                    record.timestamp_millis(hour_ago)
                } else {
                    record
                }
            });
            producer().produce_many_sync(records).await.unwrap();
        },
    )
    .await;
    assert_eq!(
        log.snapshot().iter().map(|h| h.offset).collect::<Vec<_>>(),
        vec![0, 3]
    );
    assert_eq!(committed, vec![Some(4)]);
    let admin = karafka::admin::Admin::new(&config("combined-admin")).unwrap();
    let letters = admin.read_topic(&dlq, 0, 0, 10).await.unwrap();
    assert_eq!(
        letters
            .iter()
            .map(|m| m.payload::<Value>().unwrap()["n"].clone())
            .collect::<Vec<_>>(),
        vec![json!(1)]
    );
}
