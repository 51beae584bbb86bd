//! `Context::insights` and the end-to-end latency of `consumer.consumed` under the test runtime.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;

use super::recorder::{produce, recorded, runtime_of, Script};
use crate::instrumentation::statistics::PartitionStatistics;
use crate::instrumentation::Event;
use crate::routing::{Routes, Topic};
use crate::{App, Consumer, Context};

/// Records the insights each batch saw, then marks it.
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

#[tokio::test(start_paused = true)]
async fn insights_show_the_partition_lag_watermark_and_committed_offset() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let recorder = Arc::clone(&seen);
    let runtime =
        runtime_of(App::builder().routes(
            Routes::new().topic(
                Topic::new("orders").consumer_with(move || Inspecting(Arc::clone(&recorder))),
            ),
        ));
    produce(&runtime, "orders", 3);
    runtime.consume("orders").await.expect("consumed");
    produce(&runtime, "orders", 2);
    runtime.consume("orders").await.expect("consumed");

    let seen = seen.lock().unwrap_or_else(PoisonError::into_inner).clone();
    let figures: Vec<(Option<i64>, Option<i64>, Option<i64>)> = seen
        .iter()
        .map(|insights| {
            let insights = insights
                .as_ref()
                .expect("the test runtime always has figures");
            (
                insights.consumer_lag,
                insights.high_watermark,
                insights.committed_offset,
            )
        })
        .collect();
    assert_eq!(
        figures,
        [(Some(3), Some(3), None), (Some(2), Some(5), Some(3))],
        "lag, high watermark, committed offset as each batch began"
    );
}

#[tokio::test(start_paused = true)]
async fn consumed_reports_how_old_the_first_message_was_when_its_job_ended() {
    let (topic, _) = recorded(
        "payments",
        Script {
            work: Duration::from_secs(2),
            ..Script::default()
        },
    );
    let latencies = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&latencies);
    let runtime = runtime_of(App::builder().routes(Routes::new().topic(topic)).listener(
        move |event: &Event| {
            if let Event::Consumed { latency, .. } = event {
                seen.lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(*latency);
            }
        },
    ));
    produce(&runtime, "payments", 2);
    tokio::time::sleep(Duration::from_secs(1)).await;
    runtime.consume("payments").await.expect("consumed");
    let latencies = latencies
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    let [Some(latency)] = latencies.as_slice() else {
        panic!("one batch with a latency: {latencies:?}");
    };
    // Produced, a second of waiting, two seconds of work; the clock is virtual, so exact to
    // the millisecond the timestamp carries.
    assert!(
        (Duration::from_millis(2_999)..=Duration::from_millis(3_001)).contains(latency),
        "{latency:?}"
    );
}
