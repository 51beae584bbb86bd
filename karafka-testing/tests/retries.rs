//! Retries: a failed batch pauses its partition and runs again after a backoff, in virtual time,
//! with the attempt counting up.

mod common;

use std::time::Duration;

use common::{app, app_with, config, gaps, produce, recorded, Marks, Script};
use karafka::routing::{Topic, TopicConfig};
use karafka::{async_trait, Consumer, Context};
use karafka_testing::TestError;

const SECOND: Duration = Duration::from_secs(1);

#[tokio::test(start_paused = true)]
async fn attempts_count_up_and_the_backoff_doubles_in_virtual_time() {
    let real = std::time::Instant::now();
    let (topic, log) = recorded("orders", Script::failing(1, 2));
    let app = app([topic]);
    produce(&app, "orders", 3);

    for attempt in 1..=2 {
        match app.consume("orders").await {
            Err(TestError::Failed {
                topic,
                partition: 0,
                consumer: "Recorder",
                offset: 0,
                attempt: failed,
                error,
            }) => {
                assert_eq!(topic, "orders");
                assert_eq!(failed, attempt);
                assert_eq!(error, "offset 1 failed");
            }
            other => panic!("attempt {attempt} should fail, got {other:?}"),
        }
        assert_eq!(app.committed("orders", 0), None, "nothing marked yet");
    }
    app.consume("orders")
        .await
        .expect("the third attempt succeeds");

    let batches = log.batches();
    assert_eq!(log.attempts(), vec![1, 2, 3], "as `ctx.attempt()` said");
    assert_eq!(
        log.offsets(),
        vec![vec![0, 1, 2]; 3],
        "nothing was marked: all again"
    );
    assert_eq!(
        gaps(&batches),
        vec![SECOND, 2 * SECOND],
        "pause_timeout 1 s, doubled after the second failure"
    );
    assert_eq!(app.committed("orders", 0), Some(3));
    assert!(
        real.elapsed() < Duration::from_secs(5),
        "virtual time: the backoffs cost no real time ({:?})",
        real.elapsed()
    );
}

#[tokio::test(start_paused = true)]
async fn a_retry_starts_at_the_first_message_the_consumer_did_not_mark() {
    let (topic, log) = recorded("orders", Script::failing(2, 1).marking(Marks::Each));
    let app = app([topic]);
    produce(&app, "orders", 5);
    let failed = app.consume("orders").await;
    assert!(
        matches!(
            failed,
            Err(TestError::Failed {
                offset: 2,
                attempt: 1,
                ..
            })
        ),
        "{failed:?}"
    );
    assert_eq!(
        app.committed("orders", 0),
        Some(2),
        "0 and 1 were marked and committed"
    );
    app.consume("orders").await.expect("the retry succeeds");
    assert_eq!(log.offsets(), vec![vec![0, 1, 2, 3, 4], vec![2, 3, 4]]);
    assert_eq!(log.attempts(), vec![1, 2]);
    assert_eq!(app.committed("orders", 0), Some(5));
}

#[tokio::test(start_paused = true)]
async fn the_backoff_stops_growing_at_pause_max_timeout() {
    let mut settings = config();
    settings.pause_max_timeout = 3 * SECOND;
    let (topic, log) = recorded("orders", Script::failing(0, 4));
    let app = app_with(settings, [topic]);
    produce(&app, "orders", 1);
    for _ in 0..4 {
        assert!(app.consume("orders").await.is_err());
    }
    app.consume("orders")
        .await
        .expect("the fifth attempt succeeds");
    assert_eq!(
        gaps(&log.batches()),
        vec![SECOND, 2 * SECOND, 3 * SECOND, 3 * SECOND]
    );
}

#[tokio::test(start_paused = true)]
async fn a_30_s_backoff_passes_in_virtual_time_only() {
    let real = std::time::Instant::now();
    let mut settings = config();
    settings.pause_timeout = 30 * SECOND;
    let (topic, log) = recorded("orders", Script::failing(0, 1));
    let app = app_with(settings, [topic]);
    produce(&app, "orders", 1);
    let started = tokio::time::Instant::now();
    assert!(app.consume("orders").await.is_err());
    assert_eq!(
        started.elapsed(),
        Duration::ZERO,
        "a failure returns at once"
    );
    app.consume("orders").await.expect("the retry succeeds");
    assert_eq!(started.elapsed(), 30 * SECOND);
    assert_eq!(gaps(&log.batches()), vec![30 * SECOND]);
    assert!(
        real.elapsed() < Duration::from_secs(5),
        "30 s of backoff took {:?} of real time",
        real.elapsed()
    );
}

#[tokio::test(start_paused = true)]
async fn a_failing_partition_does_not_hold_up_the_others() {
    let (topic, log) = recorded("orders", Script::failing(2, 1));
    let app = app([topic.config(TopicConfig::new().partitions(2))]);
    app.produce("orders", serde_json::json!({"n": 0}))
        .partition(0);
    produce_to(&app, 1, 3);
    let failed = app.consume("orders").await;
    assert!(
        matches!(
            failed,
            Err(TestError::Failed {
                partition: 1,
                offset: 0,
                ..
            })
        ),
        "offset 2 of partition 1 fails: {failed:?}"
    );
    assert_eq!(app.committed("orders", 0), Some(1), "partition 0 went on");
    assert_eq!(app.committed("orders", 1), None);

    app.consume("orders").await.expect("the retry succeeds");
    let mut seen: Vec<(i32, Vec<i64>, u32)> = log
        .batches()
        .into_iter()
        .map(|b| (b.partition, b.offsets, b.attempt))
        .collect();
    seen.sort();
    assert_eq!(
        seen,
        vec![
            (0, vec![0], 1),
            (1, vec![0, 1, 2], 1),
            (1, vec![0, 1, 2], 2)
        ]
    );
    assert_eq!(app.committed("orders", 1), Some(3));
}

fn produce_to(app: &karafka_testing::TestApp, partition: i32, count: i64) {
    for n in 0..count {
        app.produce("orders", serde_json::json!({ "n": n }))
            .partition(partition);
    }
}

/// Panics on its first batch, then handles everything.
#[derive(Default)]
struct PanicsOnce {
    batches: u32,
}

#[async_trait]
impl Consumer for PanicsOnce {
    async fn consume(&mut self, _: &mut Context) -> anyhow::Result<()> {
        self.batches += 1;
        assert!(self.batches > 1, "first batch");
        Ok(())
    }
}

#[tokio::test(start_paused = true)]
async fn a_panic_is_retried_like_an_error() {
    let app = app([Topic::new("orders").consumer::<PanicsOnce>()]);
    produce(&app, "orders", 2);
    let failed = app.consume("orders").await;
    assert!(
        matches!(&failed, Err(TestError::Failed { error, attempt: 1, .. })
            if error == "consumer panicked: first batch"),
        "{failed:?}"
    );
    app.consume("orders").await.expect("the retry succeeds");
    let consumer = app.consumer::<PanicsOnce>("orders", 0).expect("consumed");
    assert_eq!(consumer.batches, 2, "the same instance, after its panic");
    assert_eq!(app.committed("orders", 0), Some(2));
}
