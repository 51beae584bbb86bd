//! The runtime's typed events against the real broker: a failing message yields its events in
//! order (error, retry, pause, resume, the retry, the dead-letter dispatch, consumed), commits are
//! acknowledged, and the server reports its states.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use karafka::instrumentation::statistics::PartitionStatistics;
use karafka::instrumentation::{AppState, Event};
use karafka::middleware::DeadLetterQueue;
use karafka::routing::{Routes, Topic};
use karafka::{async_trait, App, Consumer, Context, TopicPartition};
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

    let events = Events::default();
    let app = App::builder()
        .config(config(&group))
        .routes(
            Routes::new().topic(
                Topic::new(&topic)
                    .consumer::<Strict>()
                    .dead_letter_queue(DeadLetterQueue::new(&dlq).max_retries(1)),
            ),
        )
        .listener(events.listener())
        .build()
        .expect("valid app");
    let server = RunningServer::start_app(app);
    let snapshot = || events.snapshot();
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

/// Records what `Context::insights` said at each batch.
#[derive(Clone, Default)]
struct Inspecting(Arc<Mutex<Vec<Option<PartitionStatistics>>>>);

#[async_trait]
impl Consumer for Inspecting {
    async fn consume(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(ctx.insights());
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statistics_report_the_partition_and_feed_insights_and_the_listener_reports_its_polls() {
    let topic = unique("statistics");
    let group = unique("statistics-group");
    create_topic(&topic, 1).await;
    produce_to(&topic, 0, &["{}", "{}", "{}"]).await;
    let events = Events::default();
    let inspecting = Inspecting::default();
    let app = App::builder()
        .config(config(&group).kafka("statistics.interval.ms", 500))
        .routes(Routes::new().topic(Topic::new(&topic).consumer_with({
            let inspecting = inspecting.clone();
            move || inspecting.clone()
        })))
        .listener(events.listener())
        .build()
        .expect("valid app");
    let server = RunningServer::start_app(app);
    let partition = TopicPartition::new(&topic, 0);
    let caught_up = |events: &[Event]| {
        events.iter().any(|event| match event {
            Event::StatisticsEmitted { statistics, .. } => {
                statistics.partition(&partition).is_some_and(|figures| {
                    figures.assigned
                        && figures.committed_offset == Some(3)
                        && figures.consumer_lag == Some(0)
                        && figures.high_watermark == Some(3)
                })
            }
            _ => false,
        })
    };
    let snapshot = || events.snapshot();
    wait_for(
        Duration::from_secs(60),
        "statistics showing the partition committed and caught up",
        || caught_up(&snapshot()),
    )
    .await;
    // A batch after a report sees the partition's figures in its context.
    produce_to(&topic, 0, &["{}"]).await;
    wait_for(Duration::from_secs(30), "a batch seeing insights", || {
        inspecting
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .last()
            .is_some_and(|insights| {
                insights.as_ref().is_some_and(|figures| {
                    figures.partition == partition && figures.high_watermark >= Some(3)
                })
            })
    })
    .await;
    server.stop().await;

    let polls: Vec<Duration> = snapshot()
        .into_iter()
        .filter_map(|event| match event {
            Event::ListenerPolled { since_previous, .. } => Some(since_previous),
            _ => None,
        })
        .collect();
    assert!(
        polls.len() >= 5,
        "the listener polls about every 100 ms: {polls:?}"
    );
    assert!(
        polls.iter().all(|since| *since < Duration::from_secs(5)),
        "{polls:?}"
    );
}
