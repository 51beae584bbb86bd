//! The partitions of one subscription group: starts a coordinator per assignment and stops it on
//! revocation.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use rdkafka::consumer::{CommitMode, Consumer as _};
use rdkafka::error::KafkaError;
use rdkafka::types::RDKafkaErrorCode;
use tokio::task::JoinHandle;

use super::{Assignment, Coordinator, RunningJob, Scheduler};
use crate::connection::{KafkaConsumer, PartitionStream, RebalanceHandler};
use crate::messages::Origin;
use crate::producer::Producer;
use crate::routing::Subscription;
use crate::TopicPartition;

/// A partition's stream (kept across assignments), its current assignment and the task of its
/// latest coordinator.
struct Slot {
    stream: Arc<PartitionStream>,
    assignment: Option<Arc<Assignment>>,
    coordinator: Option<JoinHandle<()>>,
}

/// Reacts to the rebalances of one subscription group's consumer.
pub(crate) struct PartitionRegistry {
    subscription: Arc<Subscription>,
    name: Arc<str>,
    scheduler: Scheduler,
    producer: Producer,
    slots: Mutex<HashMap<TopicPartition, Slot>>,
}

impl PartitionRegistry {
    pub(crate) fn new(
        subscription: Arc<Subscription>,
        scheduler: Scheduler,
        producer: Producer,
    ) -> Self {
        Self {
            name: subscription.name().into(),
            subscription,
            scheduler,
            producer,
            slots: Mutex::new(HashMap::new()),
        }
    }

    fn slots(&self) -> MutexGuard<'_, HashMap<TopicPartition, Slot>> {
        // Every update of the map is a single insert or field assignment, consistent even if a
        // holder panicked.
        self.slots.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn list(partitions: &[TopicPartition]) -> String {
    let mut text = String::new();
    for (index, partition) in partitions.iter().enumerate() {
        let separator = if index == 0 { "" } else { ", " };
        let _ = write!(text, "{separator}{partition}");
    }
    text
}

impl RebalanceHandler for PartitionRegistry {
    fn assigned(&self, consumer: &Arc<KafkaConsumer>, partitions: Vec<TopicPartition>) {
        let mut slots = self.slots();
        for partition in &partitions {
            let Some(route) = self.subscription.route_for(&partition.topic) else {
                tracing::error!(group = %self.name, %partition, "assigned a partition of a topic without a route");
                continue;
            };
            let slot = match slots.get_mut(partition) {
                Some(slot) => slot,
                None => {
                    let origin =
                        Origin::new(&partition.topic, partition.partition, route.decoder.clone());
                    let Some(stream) = PartitionStream::split(consumer, origin) else {
                        tracing::error!(group = %self.name, %partition, "librdkafka has no queue for the partition");
                        continue;
                    };
                    slots.entry(partition.clone()).or_insert(Slot {
                        stream: Arc::new(stream),
                        assignment: None,
                        coordinator: None,
                    })
                }
            };
            let stop = self.scheduler.shutdown_token().child_token();
            let assignment = Arc::new(Assignment::new(Arc::clone(&slot.stream), stop));
            let coordinator = Coordinator::new(
                Arc::clone(&self.name),
                Arc::clone(route),
                Arc::clone(&assignment),
                self.scheduler.clone(),
                self.producer.clone(),
            );
            let previous = slot.coordinator.take();
            slot.coordinator = Some(self.scheduler.spawn(coordinator.run(previous)));
            slot.assignment = Some(assignment);
        }
        tracing::info!(group = %self.name, "Assigned partitions: {}", list(&partitions));
    }

    fn revoked(&self, consumer: &KafkaConsumer, partitions: Vec<TopicPartition>, lost: bool) {
        {
            let slots = self.slots();
            for partition in &partitions {
                if let Some(assignment) = slots
                    .get(partition)
                    .and_then(|slot| slot.assignment.as_ref())
                {
                    assignment.revoke();
                }
            }
        }
        if lost {
            tracing::warn!(
                group = %self.name,
                "Lost partitions: {} (another member owns them now; marks not committed are dropped)",
                list(&partitions)
            );
            return;
        }
        let started = Instant::now();
        match consumer.commit_consumer_state(CommitMode::Sync) {
            Ok(()) | Err(KafkaError::ConsumerCommit(RDKafkaErrorCode::NoOffset)) => tracing::info!(
                group = %self.name,
                "Revoked partitions: {}; offsets committed in {} ms",
                list(&partitions),
                started.elapsed().as_millis()
            ),
            Err(error) => tracing::warn!(
                group = %self.name,
                %error,
                "Revoked partitions: {}; committing their offsets failed",
                list(&partitions)
            ),
        }
    }

    fn overdue(&self, limit: Duration) -> Option<RunningJob> {
        self.scheduler.running().into_iter().find(|job| {
            job.subscription == self.name && !job.long_running && job.started.elapsed() > limit
        })
    }

    fn store_offsets(&self) {
        for assignment in self
            .slots()
            .values()
            .filter_map(|slot| slot.assignment.as_ref())
        {
            assignment.store();
        }
    }

    fn release(&self) {
        self.store_offsets();
        self.slots().clear();
    }
}
