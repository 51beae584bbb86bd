//! Filters in virtual time: `filter`, `expire_in`, `delay_by` and `throttle` decide what the
//! consumer sees and when; left-out messages are still committed.

mod common;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::{app, gaps, near, produce, recorded, Script};
use karafka::middleware::Verdict;
use karafka_testing::TestApp;
use tokio::time::Instant;

const SECOND: Duration = Duration::from_secs(1);

/// Milliseconds since the Unix epoch `ago` before now. The test app's clock starts at the
/// system's time, so a timestamp this old is about `ago` old to its filters.
fn millis_ago(ago: Duration) -> i64 {
    let then = SystemTime::now() - ago;
    let since = then.duration_since(UNIX_EPOCH).unwrap_or_default();
    i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
}

fn produce_at(app: &TestApp, millis: i64) {
    app.produce("events", serde_json::json!({}))
        .timestamp_millis(millis);
}

#[tokio::test(start_paused = true)]
async fn a_filter_leaves_messages_out_and_they_are_still_committed() {
    let (topic, log) = recorded("events", Script::default());
    let app = app([topic.filter(|message| match message.key() {
        Some(b"noise") => Verdict::Drop,
        _ => Verdict::Keep,
    })]);
    app.produce("events", "a");
    app.produce("events", "b").key("noise");
    app.produce("events", "c");
    app.produce("events", "d").key("noise");
    app.consume("events").await.expect("consumed");
    assert_eq!(log.offsets(), vec![vec![0, 2]]);
    assert_eq!(
        app.committed("events", 0),
        Some(4),
        "up to the last message left out"
    );
}

#[tokio::test(start_paused = true)]
async fn expire_in_drops_old_messages_and_commits_past_them() {
    let (topic, log) = recorded("events", Script::default());
    let app = app([topic.expire_in(Duration::from_secs(60))]);
    produce_at(&app, millis_ago(Duration::from_secs(120)));
    produce(&app, "events", 1);
    produce_at(&app, millis_ago(Duration::from_secs(61)));
    app.consume("events").await.expect("consumed");
    assert_eq!(log.offsets(), vec![vec![1]], "only the fresh one");
    assert_eq!(app.committed("events", 0), Some(3));
}

#[tokio::test(start_paused = true)]
async fn messages_age_in_virtual_time() {
    let (topic, log) = recorded("events", Script::default());
    let app = app([topic.expire_in(Duration::from_secs(60))]);
    produce(&app, "events", 2);
    tokio::time::sleep(Duration::from_secs(61)).await;
    app.consume("events").await.expect("consumed");
    assert!(
        log.batches().is_empty(),
        "both expired while the test slept"
    );
    assert_eq!(app.committed("events", 0), Some(2));
}

#[tokio::test(start_paused = true)]
async fn delay_by_holds_a_fresh_message_until_it_is_old_enough() {
    let (topic, log) = recorded("events", Script::default());
    let app = app([topic.delay_by(Duration::from_secs(10))]);
    let started = Instant::now();
    produce(&app, "events", 1);

    app.consume("events")
        .await
        .expect("returns with the partition paused");
    assert_eq!(started.elapsed(), Duration::ZERO);
    assert!(log.batches().is_empty(), "nothing handed over yet");
    assert_eq!(app.committed("events", 0), None);

    app.consume("events").await.expect("consumed once delayed");
    let batches = log.batches();
    assert_eq!(log.offsets(), vec![vec![0]]);
    let waited = batches[0].at.duration_since(started);
    assert!(near(waited, 10 * SECOND), "handed over after {waited:?}");
    assert_eq!(app.committed("events", 0), Some(1));
}

#[tokio::test(start_paused = true)]
async fn delay_by_hands_each_message_over_once_its_own_delay_passed() {
    let (topic, log) = recorded("events", Script::default());
    let app = app([topic.delay_by(Duration::from_secs(10))]);
    let started = Instant::now();
    produce(&app, "events", 1);
    tokio::time::sleep(Duration::from_secs(4)).await;
    produce(&app, "events", 1);
    produce_at(&app, millis_ago(Duration::from_secs(60)));

    app.consume("events").await.expect("paused at offset 0");
    assert!(log.batches().is_empty());
    app.consume("events").await.expect("paused at offset 1");
    app.consume("events").await.expect("consumed");

    let batches = log.batches();
    assert_eq!(
        log.offsets(),
        vec![vec![0], vec![1, 2]],
        "in order: the old offset 2 waits behind offset 1"
    );
    let at: Vec<Duration> = batches
        .iter()
        .map(|b| b.at.duration_since(started))
        .collect();
    assert!(near(at[0], 10 * SECOND), "{at:?}");
    assert!(near(at[1], 14 * SECOND), "{at:?}");
    assert_eq!(app.committed("events", 0), Some(3));
}

#[tokio::test(start_paused = true)]
async fn throttle_spreads_batches_over_virtual_time() {
    let (topic, log) = recorded("events", Script::default());
    let app = app([topic.throttle(2, SECOND)]);
    produce(&app, "events", 5);
    let real = std::time::Instant::now();
    let started = Instant::now();

    app.consume("events")
        .await
        .expect("two through, then paused");
    assert_eq!(log.offsets(), vec![vec![0, 1]]);
    assert_eq!(app.committed("events", 0), Some(2));
    app.consume("events").await.expect("two more");
    app.consume("events").await.expect("the last one");

    assert_eq!(log.offsets(), vec![vec![0, 1], vec![2, 3], vec![4]]);
    assert_eq!(gaps(&log.batches()), vec![SECOND, SECOND]);
    assert_eq!(started.elapsed(), 2 * SECOND);
    assert_eq!(app.committed("events", 0), Some(5));
    assert!(real.elapsed() < Duration::from_secs(5));
}
