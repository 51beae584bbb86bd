//! The dead-letter queue: messages that keep failing are dispatched with headers naming where
//! they came from and why, or skipped; consumers dispatch by hand with `ctx.dispatch_to_dlq`.

mod common;

use std::time::Duration;

use common::{app, produce, recorded, Marks, Script};
use karafka::consumer::DispatchError;
use karafka::middleware::dead_letter_queue::headers;
use karafka::middleware::DeadLetterQueue;
use karafka::routing::Topic;
use karafka::{async_trait, Consumer, Context, Message};
use karafka_testing::{TestApp, TestError};
use serde_json::{json, Value};
use tokio::time::Instant;

/// A header of `message` as text.
fn header<'a>(message: &'a Message, name: &str) -> Option<&'a str> {
    message.headers().get_str(name)
}

/// The origin headers of the one message `app` dispatched to `orders_dlq`: consumer group,
/// topic, partition, offset, attempts and error; and that message.
fn dispatched_origin(app: &TestApp) -> (Vec<Option<String>>, Message) {
    let mut dispatched = app.produced("orders_dlq");
    assert_eq!(dispatched.len(), 1, "one dispatch: {dispatched:?}");
    let message = dispatched.remove(0);
    let origin = [
        headers::CONSUMER_GROUP,
        headers::TOPIC,
        headers::PARTITION,
        headers::OFFSET,
        headers::ATTEMPTS,
        headers::ERROR,
    ]
    .into_iter()
    .map(|name| header(&message, name).map(str::to_owned))
    .collect();
    (origin, message)
}

/// The origin headers `dispatched_origin` expects of a message of `orders` partition 0 in the
/// `app` group.
fn origin(offset: i64, attempts: u32, error: &str) -> Vec<Option<String>> {
    [
        "app",
        "orders",
        "0",
        &offset.to_string(),
        &attempts.to_string(),
        error,
    ]
    .into_iter()
    .map(|value| Some(value.to_owned()))
    .collect()
}

/// Produces three orders with key `k<n>` and a `trace` header to `orders`.
fn produce_orders(app: &TestApp) {
    for n in 0..3 {
        app.produce("orders", json!({ "n": n }))
            .key(format!("k{n}"))
            .header("trace", format!("t{n}"));
    }
}

#[tokio::test(start_paused = true)]
async fn after_max_retries_the_message_is_dispatched_with_its_origin_and_the_rest_handled() {
    let (topic, log) = recorded("orders", Script::always_failing(1).marking(Marks::Each));
    let app = app([topic.dead_letter_queue(DeadLetterQueue::new("orders_dlq").max_retries(2))]);
    produce_orders(&app);

    for attempt in 1..=2 {
        let failed = app.consume("orders").await;
        assert!(
            matches!(&failed, Err(TestError::Failed { offset: 1, attempt: a, .. }) if *a == attempt),
            "retry {attempt} of 2: {failed:?}"
        );
        assert!(app.produced("orders_dlq").is_empty(), "not dispatched yet");
    }
    app.consume("orders")
        .await
        .expect("the third failure dispatches");

    let (headers, message) = dispatched_origin(&app);
    assert_eq!(headers, origin(1, 3, "offset 1 failed"));
    assert_eq!(
        header(&message, "trace"),
        Some("t1"),
        "its own headers kept"
    );
    assert_eq!(message.key(), Some(&b"k1"[..]));
    assert_eq!(message.payload::<Value>().expect("JSON"), json!({"n": 1}));

    assert_eq!(
        log.offsets(),
        vec![vec![0, 1, 2], vec![1, 2], vec![1, 2], vec![2]],
        "after the dispatch, the rest of the batch"
    );
    assert_eq!(
        log.attempts(),
        vec![1, 2, 3, 1],
        "the next message starts over"
    );
    assert_eq!(
        app.committed("orders", 0),
        Some(3),
        "past the dispatched message"
    );
}

#[tokio::test(start_paused = true)]
async fn max_retries_zero_dispatches_at_the_first_failure_without_a_pause() {
    let (topic, log) = recorded("orders", Script::always_failing(1).marking(Marks::Each));
    let app = app([topic.dead_letter_queue(DeadLetterQueue::new("orders_dlq").max_retries(0))]);
    produce(&app, "orders", 3);
    let started = Instant::now();
    app.consume("orders")
        .await
        .expect("dispatched, not retried");
    assert_eq!(started.elapsed(), Duration::ZERO);
    assert_eq!(dispatched_origin(&app).0, origin(1, 1, "offset 1 failed"));
    assert_eq!(log.offsets(), vec![vec![0, 1, 2], vec![2]]);
    assert_eq!(app.committed("orders", 0), Some(3));
}

#[tokio::test(start_paused = true)]
async fn without_marks_the_failing_message_is_found_by_running_the_rest_one_at_a_time() {
    let (topic, log) = recorded("orders", Script::always_failing(1));
    let app = app([topic.dead_letter_queue(DeadLetterQueue::new("orders_dlq").max_retries(1))]);
    produce(&app, "orders", 3);
    assert!(app.consume("orders").await.is_err());
    app.consume("orders").await.expect("dispatched");
    assert_eq!(
        dispatched_origin(&app).0,
        origin(1, 3, "offset 1 failed"),
        "3 attempts: two runs of the batch and the run alone that found it"
    );
    assert_eq!(
        log.offsets(),
        vec![vec![0, 1, 2], vec![0, 1, 2], vec![0], vec![1], vec![2]]
    );
    assert_eq!(app.committed("orders", 0), Some(3));
}

#[tokio::test(start_paused = true)]
async fn skip_marks_the_failing_message_without_dispatching_it() {
    let (topic, log) = recorded("orders", Script::always_failing(1).marking(Marks::Each));
    let app = app([topic.dead_letter_queue(DeadLetterQueue::skip().max_retries(1))]);
    produce(&app, "orders", 3);
    assert!(app.consume("orders").await.is_err(), "the first attempt");
    app.consume("orders")
        .await
        .expect("the retry fails and skips");
    assert_eq!(log.offsets(), vec![vec![0, 1, 2], vec![1, 2], vec![2]]);
    assert!(app.produced("orders_dlq").is_empty());
    assert!(
        app.produced("orders").is_empty(),
        "nothing written back either"
    );
    assert_eq!(app.committed("orders", 0), Some(3));
}

/// Dispatches the orders whose `valid` is false by hand and marks only through that.
#[derive(Default)]
struct Validator {
    handled: Vec<i64>,
    dispatch_errors: Vec<String>,
}

#[async_trait]
impl Consumer for Validator {
    async fn consume(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        for message in ctx.messages() {
            let order: Value = message.payload()?;
            if order["valid"] == json!(false) {
                if let Err(error) = ctx.dispatch_to_dlq(message).await {
                    let not_configured = matches!(error, DispatchError::NotConfigured { .. });
                    self.dispatch_errors
                        .push(format!("{not_configured}: {error}"));
                }
            } else {
                self.handled.push(message.offset());
            }
        }
        Ok(())
    }
}

fn produce_validity(app: &TestApp, valid: &[bool]) {
    for valid in valid {
        app.produce("orders", json!({ "valid": valid })).key("k");
    }
}

#[tokio::test(start_paused = true)]
async fn a_consumer_dispatches_by_hand_which_marks_the_dispatched_message() {
    let topic = Topic::new("orders")
        .consumer::<Validator>()
        .manual_offset_management(true)
        .dead_letter_queue(DeadLetterQueue::new("orders_dlq"));
    let app = app([topic]);
    produce_validity(&app, &[true, false, true]);
    app.consume("orders")
        .await
        .expect("consumed without a failure");

    let (headers, message) = dispatched_origin(&app);
    assert_eq!(headers, origin(1, 1, "dispatched by the consumer"));
    assert_eq!(
        message.payload::<Value>().expect("JSON"),
        json!({"valid": false})
    );
    let validator = app.consumer::<Validator>("orders", 0).expect("consumed");
    assert_eq!(validator.handled, vec![0, 2]);
    assert!(validator.dispatch_errors.is_empty());
    assert_eq!(
        app.committed("orders", 0),
        Some(2),
        "the dispatch marked offset 1 (and what came before); nothing marked 2"
    );
}

#[tokio::test(start_paused = true)]
async fn dispatching_by_hand_without_a_dead_letter_queue_is_an_error_naming_the_topic() {
    let app = app([Topic::new("orders").consumer::<Validator>()]);
    produce_validity(&app, &[false]);
    app.consume("orders").await.expect("consumed");
    let validator = app.consumer::<Validator>("orders", 0).expect("consumed");
    assert_eq!(
        validator.dispatch_errors,
        vec!["true: topic `orders` has no dead-letter queue".to_owned()]
    );
    assert!(app.produced("orders_dlq").is_empty());
}
