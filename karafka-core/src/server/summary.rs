//! The server's periodic INFO summary: what it consumed since the last one, and how far behind
//! it is. Each batch is logged at DEBUG only, so INFO stays readable at any rate.

use std::sync::Arc;
use std::time::Duration;

use tokio::time::{interval_at, Instant, MissedTickBehavior};

use crate::connection::KafkaConsumer;
use crate::processing::{PartitionRegistry, Scheduler};

/// Logs a summary every `every` until dropped; an idle server with nothing to catch up on
/// stays quiet.
pub(super) async fn report(
    scheduler: Scheduler,
    registries: Vec<Arc<PartitionRegistry<KafkaConsumer>>>,
    every: Duration,
) {
    let mut ticks = interval_at(Instant::now() + every, every);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let counts = scheduler.tally().take();
        let (lag, partitions) = registries
            .iter()
            .map(|registry| registry.lag())
            .fold((0, 0), |(lag, count), (behind, counted)| {
                (lag + behind, count + counted)
            });
        if counts.batches == 0 && lag == 0 {
            continue;
        }
        tracing::info!(
            messages = counts.messages,
            batches = counts.batches,
            failed = counts.failed,
            lag,
            partitions,
            interval_ms = every.as_millis() as u64,
            "Consumed {} messages in {} batches ({} failed) in the last {} ms; lag {lag} over {partitions} partition(s)",
            counts.messages,
            counts.batches,
            counts.failed,
            every.as_millis()
        );
    }
}
