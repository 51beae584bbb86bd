//! The partitions of one subscription group: starts a coordinator per assignment and stops it on
//! revocation.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use tokio::task::JoinHandle;

use super::{Assignment, Coordinator, RunningJob, Scheduler};
use crate::connection::{commit, KafkaConsumer, PartitionStream, RebalanceHandler, Revocation};
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
    /// How long running jobs of revoked partitions may take to finish.
    revoke_grace: Duration,
    scheduler: Scheduler,
    producer: Producer,
    slots: Mutex<HashMap<TopicPartition, Slot>>,
}

impl PartitionRegistry {
    pub(crate) fn new(
        subscription: Arc<Subscription>,
        scheduler: Scheduler,
        producer: Producer,
        revoke_grace: Duration,
    ) -> Self {
        Self {
            name: subscription.name().into(),
            subscription,
            revoke_grace,
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

impl PartitionRegistry {
    /// How far the owned partitions are behind their ends (as of librdkafka's last fetch), from
    /// what was stored: the messages, and how many partitions that counts (those where both
    /// are known).
    pub(crate) fn lag(&self) -> (i64, usize) {
        self.slots()
            .values()
            .filter_map(|slot| {
                let assignment = slot.assignment.as_ref().filter(|a| !a.is_revoked())?;
                Some((slot.stream.high_watermark()? - assignment.stored()?).max(0))
            })
            .fold((0, 0), |(lag, partitions), behind| {
                (lag + behind, partitions + 1)
            })
    }

    /// Says which job outlived the revocation's grace: its partition is handed over without it.
    fn abandon(&self, assignment: &Arc<Assignment>) {
        let origin = assignment.origin();
        let job = self
            .scheduler
            .running_for(assignment)
            .map_or_else(|| "its job".to_owned(), |job| job.to_string());
        tracing::warn!(
            group = %self.name,
            topic = %origin.topic,
            partition = origin.partition,
            "Revoking {}/{}: {job} did not finish within the {} ms a revocation may wait \
             (max.poll.interval.ms less a heartbeat and a margin, at most shutdown_timeout); \
             handing the partition over without it: its results will not be committed and the \
             next owner consumes its batch again",
            origin.topic,
            origin.partition,
            self.revoke_grace.as_millis()
        );
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

    fn revoked(&self, consumer: &KafkaConsumer, partitions: Vec<TopicPartition>, how: Revocation) {
        let assignments: Vec<(Arc<Assignment>, bool)> = {
            let slots = self.slots();
            partitions
                .iter()
                .filter_map(|partition| {
                    let assignment = slots.get(partition)?.assignment.clone()?;
                    let long_running = self
                        .subscription
                        .route_for(&partition.topic)
                        .is_some_and(|route| route.long_running_job);
                    Some((assignment, long_running))
                })
                .collect()
        };
        // On a rebalance, running jobs finish first (long-running ones see `revoked()` instead),
        // so what they handled is committed and the next owner does not redo it; but only for as
        // long as the broker keeps the member in the group (`revoke_grace`).
        if how == Revocation::Graceful {
            let waiting = Instant::now();
            for (assignment, _) in assignments.iter().filter(|(_, long_running)| !long_running) {
                let left = self.revoke_grace.saturating_sub(waiting.elapsed());
                if !assignment.wind_down(left) {
                    self.abandon(assignment);
                }
            }
        }
        for (assignment, _) in &assignments {
            assignment.revoke();
        }
        if how == Revocation::Lost {
            tracing::warn!(
                group = %self.name,
                "Lost partitions: {} (another member owns them now; marks not committed are dropped)",
                list(&partitions)
            );
            return;
        }
        let started = Instant::now();
        match commit(consumer, None) {
            Ok(()) => tracing::info!(
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
        self.scheduler.running_held().into_iter().find(|job| {
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
