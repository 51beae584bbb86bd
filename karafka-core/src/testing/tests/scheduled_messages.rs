//! Scheduled messages on the in-memory backend, in virtual time: the built-in consumer
//! dispatches a message once its time passed (on a periodic tick), once, and never a cancelled
//! one.

use std::time::{Duration, SystemTime};

use super::recorder::runtime_of;
use crate::producer::Record;
use crate::routing::{Routes, ScheduledMessages};
use crate::testing::TestRuntime;
use crate::App;

fn scheduling_app() -> TestRuntime {
    runtime_of(App::builder().routes(
        Routes::new().scheduled_messages(ScheduledMessages::new("schedules").group_id("sm")),
    ))
}

#[tokio::test(start_paused = true)]
async fn a_scheduled_message_is_dispatched_once_at_its_time_with_its_key_headers_and_payload() {
    let runtime = scheduling_app();
    let at = SystemTime::now() + Duration::from_secs(3);
    let reminder = Record::new("reminders", r#"{"cart":7}"#)
        .key("customer-7")
        .header("source", "checkout");
    let id = runtime
        .producer()
        .schedule(reminder, at)
        .await
        .unwrap_or_else(|error| panic!("scheduled: {error}"));
    runtime.consume("schedules").await.expect("loaded");
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    assert!(
        runtime.produced("reminders").is_empty(),
        "not before its time"
    );

    // Virtual time: the ticks of the next seconds pass at once.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let dispatched = runtime.produced("reminders");
    assert_eq!(dispatched.len(), 1, "dispatched once");
    let message = &dispatched[0];
    assert_eq!(message.key(), Some(&b"customer-7"[..]));
    assert_eq!(message.raw_payload(), Some(&br#"{"cart":7}"#[..]));
    assert_eq!(message.headers().get_str("source"), Some("checkout"));
    assert_eq!(
        message.headers().get_str("schedule_source_key"),
        Some(id.as_str())
    );
    let tombstones = runtime
        .produced("schedules")
        .into_iter()
        .filter(|record| record.is_tombstone() && record.key() == Some(id.as_str().as_bytes()))
        .count();
    assert_eq!(tombstones, 1, "the dispatch is recorded");
}

#[tokio::test(start_paused = true)]
async fn a_cancelled_message_is_never_dispatched() {
    let runtime = scheduling_app();
    let at = SystemTime::now() + Duration::from_secs(3);
    let producer = runtime.producer();
    let id = producer
        .schedule(Record::new("reminders", "{}"), at)
        .await
        .unwrap_or_else(|error| panic!("scheduled: {error}"));
    producer
        .cancel(&id)
        .await
        .unwrap_or_else(|error| panic!("cancelled: {error}"));
    runtime.consume("schedules").await.expect("loaded");
    tokio::time::sleep(Duration::from_secs(10)).await;
    assert!(runtime.produced("reminders").is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_message_that_cannot_be_dispatched_stays_due_and_holds_back_no_other() {
    let runtime = scheduling_app();
    let at = SystemTime::now() + Duration::from_secs(1);
    let producer = runtime.producer();
    // The in-memory topic has one partition: this one is refused.
    let nowhere = Record::new("reminders", "nowhere").partition(5);
    for record in [nowhere, Record::new("reminders", "later")] {
        producer
            .schedule(record, at)
            .await
            .unwrap_or_else(|error| panic!("scheduled: {error}"));
    }
    runtime.consume("schedules").await.expect("loaded");
    tokio::time::sleep(Duration::from_secs(3)).await;
    let dispatched: Vec<_> = runtime
        .produced("reminders")
        .iter()
        .map(|message| message.raw_payload().map(<[u8]>::to_vec))
        .collect();
    assert_eq!(dispatched, vec![Some(b"later".to_vec())]);
    let tombstones = runtime
        .produced("schedules")
        .iter()
        .filter(|record| record.is_tombstone())
        .count();
    assert_eq!(tombstones, 1, "only the dispatched message is recorded");
}
