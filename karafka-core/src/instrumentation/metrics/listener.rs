//! How each event moves the metrics.

use super::labels::{error_kind, ErrorLabels, RebalanceLabels};
use super::Metrics;
use crate::instrumentation::{Event, Listener};

impl Listener for Metrics {
    /// Records `event`: one short lock of the holdings at most, no allocation on the events of
    /// every batch (`consumer.consumed`), and nothing at all for those no metric needs
    /// (`consumer.consume`, `connection.listener.polled`, ...).
    fn on_event(&self, event: &Event) {
        match event {
            Event::Consumed {
                batch,
                duration,
                latency,
            } => {
                let holdings = self.holdings();
                let Some((partition, topic)) = holdings.series(&batch.group, &batch.partition)
                else {
                    return;
                };
                let size = batch.size as u64;
                partition.messages.inc_by(size);
                partition.batches.inc();
                topic.consume_duration.observe(duration.as_secs_f64());
                topic.batch_size.observe(size as f64);
                if let Some(latency) = latency {
                    topic.latency.observe(latency.as_secs_f64());
                }
            }
            Event::Paused { partition, .. } => {
                let mut holdings = self.holdings();
                if let Some(series) = holdings.owned(partition) {
                    series.pauses.inc();
                }
                holdings.set_paused(partition, true);
            }
            Event::Resumed { partition } => self.holdings().set_paused(partition, false),
            Event::Retry { partition, .. } => {
                if let Some(series) = self.holdings().owned(partition) {
                    series.retries.inc();
                }
            }
            Event::DeadLetterDispatched { source, .. } => {
                if let Some(series) = self.holdings().owned(source) {
                    series.dead_letters.inc();
                }
            }
            Event::CommitAcknowledged {
                group, partition, ..
            } => {
                if let Some((series, _)) = self.holdings().series(group, partition) {
                    series.commits.inc();
                }
            }
            Event::ErrorOccurred {
                kind, partition, ..
            } => {
                let group = partition
                    .as_ref()
                    .and_then(|partition| self.holdings().owner(partition).map(str::to_owned))
                    .unwrap_or_default();
                let labels = ErrorLabels {
                    group,
                    kind: error_kind(*kind),
                };
                self.families.errors.get_or_create(&labels).inc();
            }
            Event::PartitionsAssigned { group, partitions } => {
                self.holdings().assign(&self.families, group, partitions);
                self.rebalanced(group, "assigned");
            }
            Event::PartitionsRevoked { group, partitions } => {
                self.holdings().release(&self.families, group, partitions);
                self.rebalanced(group, "revoked");
            }
            Event::PartitionsLost { group, partitions } => {
                self.holdings().release(&self.families, group, partitions);
                self.rebalanced(group, "lost");
            }
            Event::StatisticsEmitted { group, statistics } => {
                self.holdings()
                    .statistics(&self.families, group, statistics);
            }
            Event::AppStateChanged { .. }
            | Event::ConsumeStarted { .. }
            | Event::ConsumerRevoked { .. }
            | Event::ConsumerShutdown { .. }
            | Event::Ticked { .. }
            | Event::Eofed { .. }
            | Event::Seek { .. }
            | Event::ListenerPolled { .. } => {}
        }
    }
}

impl Metrics {
    /// Counts a rebalance callback of `group`.
    fn rebalanced(&self, group: &str, kind: &'static str) {
        let labels = RebalanceLabels {
            group: group.to_owned(),
            kind,
        };
        self.families.rebalances.get_or_create(&labels).inc();
    }
}
