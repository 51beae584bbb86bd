//! The runtime's typed events against the real broker: a failing message yields its events in
//! order (error, retry, pause, resume, the retry, the dead-letter dispatch, consumed), commits are
//! acknowledged, and the server reports its states.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use karafka::instrumentation::{AppState, Event};
use karafka::middleware::DeadLetterQueue;
use karafka::routing::{Routes, Topic};
use karafka::{async_trait, App, Consumer, Context};
use karafka_integration_tests::*;
use serde_json::Value;

/// Fails on a payload with `"bad": true`, marking the messages before it.
#[derive(Default)]
struct Strict;

#[async_trait]
impl Consumer for Strict {
    async fn consume(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        for message in ctx.messages() {
            let payload: Value = message.payload()?;
            anyhow::ensure!(
                payload["bad"] != true,
                "bad payload at {}",
                message.offset()
            );
            ctx.mark_as_consumed(message);
        }
        Ok(())
    }
}

/// The events of one partition, as short strings in the order they came.
fn describe(event: &Event) -> Option<String> {
    Some(match event {
        Event::ConsumeStarted { batch } => {
            format!("consume {}+ attempt {}", batch.first_offset, batch.attempt)
        }
        Event::Consumed { batch, .. } => {
            format!("consumed {}+ attempt {}", batch.first_offset, batch.attempt)
        }
        Event::ErrorOccurred { kind, offset, .. } => format!("error {kind:?} at {offset:?}"),
        Event::Retry {
            offset, attempt, ..
        } => format!("retry {offset} as attempt {attempt}"),
        Event::Paused { offset, .. } => format!("pause until {offset}"),
        Event::Resumed { .. } => "resume".to_owned(),
        Event::DeadLetterDispatched {
            offset, attempts, ..
        } => format!("dispatched {offset} after {attempts}"),
        _ => return None,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_message_yields_its_events_in_order_and_commits_are_acknowledged() {
    let topic = unique("events");
    let dlq = format!("{topic}_dlq");
    let group = unique("events-group");
    create_topic(&topic, 1).await;
    create_topic(&dlq, 1).await;
    produce_to(
        &topic,
        0,
        &[r#"{"n":0}"#, r#"{"n":1,"bad":true}"#, r#"{"n":2}"#],
    )
    .await;

    let events = Arc::new(Mutex::new(Vec::<Event>::new()));
    let seen = Arc::clone(&events);
    let app = App::builder()
        .config(config(&group))
        .routes(
            Routes::new().topic(
                Topic::new(&topic)
                    .consumer::<Strict>()
                    .dead_letter_queue(DeadLetterQueue::new(&dlq).max_retries(1)),
            ),
        )
        .listener(move |event: &Event| {
            seen.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(event.clone());
        })
        .build()
        .expect("valid app");
    let server = RunningServer::start_app(app);
    let snapshot = || {
        events
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    };
    let committed_all = |events: &[Event]| {
        events.iter().any(|event| {
            matches!(event, Event::CommitAcknowledged { partition, offset: 3, .. }
                if partition.topic == topic)
        })
    };
    wait_for(Duration::from_secs(60), "the commit of offset 3", || {
        committed_all(&snapshot())
    })
    .await;
    server.stop().await;

    let events = snapshot();
    let partition_events: Vec<String> = events.iter().filter_map(describe).collect();
    let first_error = partition_events
        .iter()
        .position(|event| event.starts_with("error"))
        .unwrap_or_else(|| panic!("no error event: {partition_events:#?}"));
    // However the broker split the batches, these follow the failure, in this order.
    assert_eq!(
        partition_events[first_error..].get(..7).unwrap_or_default(),
        [
            "error Consume at Some(1)",
            "retry 1 as attempt 2",
            "pause until 1",
            "resume",
            "consume 1+ attempt 2",
            "dispatched 1 after 2",
            "consumed 1+ attempt 2",
        ],
        "{partition_events:#?}"
    );
    let states: Vec<AppState> = events
        .iter()
        .filter_map(|event| match event {
            Event::AppStateChanged { state } => Some(*state),
            _ => None,
        })
        .collect();
    assert_eq!(
        states,
        [AppState::Running, AppState::Stopping, AppState::Stopped]
    );
    assert!(matches!(
        events.last(),
        Some(Event::AppStateChanged {
            state: AppState::Stopped
        })
    ));
    let assigned = events
        .iter()
        .position(|event| matches!(event, Event::PartitionsAssigned { .. }));
    let consumed = events
        .iter()
        .position(|event| matches!(event, Event::ConsumeStarted { .. }));
    assert!(assigned < consumed, "{events:#?}");
}
