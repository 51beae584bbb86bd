//! The partitions of one subscription group: starts a coordinator per assignment and stops it on
//! revocation. The connection calls it from its rebalance callbacks and its poll loop.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use tokio::task::JoinHandle;

use super::coordinator::Instances;
use super::{Assignment, Backend, Coordinator, PartitionSource, Revocation, RunningJob, Scheduler};
use crate::consumer::PartitionHandle;
use crate::instrumentation::statistics::PartitionStatistics;
use crate::instrumentation::{list_partitions, Event, Monitor};
use crate::messages::Origin;
use crate::middleware::SharedConsumer;
use crate::producer::Producer;
use crate::routing::Subscription;
use crate::TopicPartition;

/// A partition's source (kept across assignments), its current assignment, the task of its
/// latest coordinator and that coordinator's consumer instances.
struct Slot<B: Backend> {
    source: Arc<B::Source>,
    assignment: Option<Arc<Assignment<B::Source>>>,
    coordinator: Option<JoinHandle<()>>,
    consumers: Instances,
}

/// A partition a subscription group owns, as [`PartitionRegistry::owned`] reports it.
#[derive(Debug, Clone)]
pub(crate) struct OwnedPartition {
    pub(crate) partition: TopicPartition,
    /// librdkafka's latest figures for it, if any were reported.
    pub(crate) statistics: Option<PartitionStatistics>,
    /// A command paused it until resumed.
    pub(crate) held: bool,
}

/// Reacts to the rebalances of one subscription group's consumer.
pub(crate) struct PartitionRegistry<B: Backend> {
    subscription: Arc<Subscription>,
    name: Arc<str>,
    /// How long running jobs of revoked partitions may take to finish.
    revoke_grace: Duration,
    scheduler: Scheduler,
    producer: Producer,
    slots: Mutex<HashMap<TopicPartition, Slot<B>>>,
}

impl<B: Backend> PartitionRegistry<B> {
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

    fn slots(&self) -> MutexGuard<'_, HashMap<TopicPartition, Slot<B>>> {
        // Every update of the map is a single insert or field assignment, consistent even if a
        // holder panicked.
        self.slots.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// How far the owned partitions are behind their ends (as of the last fetch), from what was
    /// stored: the messages, and how many partitions that counts (those where both are known).
    pub(crate) fn lag(&self) -> (i64, usize) {
        self.slots()
            .values()
            .filter_map(|slot| {
                let assignment = slot.assignment.as_ref().filter(|a| !a.is_revoked())?;
                Some((slot.source.high_watermark()? - assignment.stored()?).max(0))
            })
            .fold((0, 0), |(lag, partitions), behind| {
                (lag + behind, partitions + 1)
            })
    }

    /// The consumer group (Kafka's `group.id`) of this subscription group.
    pub(crate) fn consumer_group(&self) -> &str {
        &self.subscription.group_id
    }

    /// Sets or lifts a command's hold on `partition`; `None` when this group does not own it.
    pub(crate) fn hold(&self, partition: &TopicPartition, held: bool) -> Option<bool> {
        let slots = self.slots();
        let assignment = slots
            .get(partition)?
            .assignment
            .as_ref()
            .filter(|assignment| !assignment.is_leaving())?;
        Some(assignment.hold().set(held))
    }

    /// The partitions this group owns now, in order, with their latest figures.
    pub(crate) fn owned(&self) -> Vec<OwnedPartition> {
        let mut owned: Vec<OwnedPartition> = self
            .slots()
            .iter()
            .filter_map(|(partition, slot)| {
                let assignment = slot.assignment.as_ref().filter(|a| !a.is_leaving())?;
                Some(OwnedPartition {
                    partition: partition.clone(),
                    statistics: slot.source.insights(),
                    held: assignment.hold().is_set(),
                })
            })
            .collect();
        owned.sort_by(|a, b| a.partition.cmp(&b.partition));
        owned
    }

    /// The consumer instances of `partition`'s latest assignment: one, or one per virtual
    /// partition; empty when it was never assigned.
    pub(crate) fn consumers(&self, partition: &TopicPartition) -> Vec<SharedConsumer> {
        let Some(instances) = self
            .slots()
            .get(partition)
            .map(|slot| Arc::clone(&slot.consumers))
        else {
            return Vec::new();
        };
        // Replaced whole by the coordinator: consistent even if a holder panicked.
        let instances = instances.lock().unwrap_or_else(PoisonError::into_inner);
        instances.clone()
    }

    /// The latest assignment of `partition`, revoked or not.
    pub(crate) fn assignment(
        &self,
        partition: &TopicPartition,
    ) -> Option<Arc<Assignment<B::Source>>> {
        self.slots().get(partition)?.assignment.clone()
    }

    /// Whether the coordinator of `partition`'s latest assignment ended (or none ever ran).
    pub(crate) fn coordinator_finished(&self, partition: &TopicPartition) -> bool {
        self.slots()
            .get(partition)
            .and_then(|slot| slot.coordinator.as_ref())
            .is_none_or(JoinHandle::is_finished)
    }

    /// The source of `partition`, once it was assigned.
    pub(crate) fn source(&self, partition: &TopicPartition) -> Option<Arc<B::Source>> {
        self.slots()
            .get(partition)
            .map(|slot| Arc::clone(&slot.source))
    }

    /// Says which job outlived the revocation's grace: its partition is handed over without it.
    fn abandon(&self, assignment: &Arc<Assignment<B::Source>>) {
        let (topic, partition) = (assignment.topic(), assignment.partition());
        let job = self
            .scheduler
            .running_for(assignment)
            .map_or_else(|| "its job".to_owned(), |job| job.to_string());
        tracing::warn!(
            group = %self.name,
            %topic,
            partition,
            "Revoking {topic}/{partition}: {job} did not finish within the {} ms a revocation may \
             wait (max.poll.interval.ms less a heartbeat and a margin, at most shutdown_timeout); \
             handing the partition over without it: its results will not be committed and the \
             next owner consumes its batch again",
            self.revoke_grace.as_millis()
        );
    }

    /// `partitions` were assigned: a coordinator starts for each. Runs inside the connection's
    /// rebalance callback, so it must not wait on consume jobs.
    pub(crate) fn assigned(&self, backend: &B, partitions: Vec<TopicPartition>) {
        let mut slots = self.slots();
        for partition in &partitions {
            let Some(route) = self.subscription.route_for(&partition.topic) else {
                tracing::error!(group = %self.name, %partition, "assigned a partition of a topic without a route");
                continue;
            };
            let slot = match slots.get_mut(partition) {
                Some(slot) => slot,
                None => {
                    let origin = Origin::new(
                        &partition.topic,
                        partition.partition,
                        route.deserializers.clone(),
                    );
                    let Some(source) = backend.source(origin) else {
                        tracing::error!(group = %self.name, %partition, "the connection has no queue for the partition");
                        continue;
                    };
                    slots.entry(partition.clone()).or_insert(Slot {
                        source: Arc::new(source),
                        assignment: None,
                        coordinator: None,
                        consumers: Instances::default(),
                    })
                }
            };
            let stop = self.scheduler.shutdown_token().child_token();
            let assignment = Arc::new(Assignment::new(Arc::clone(&slot.source), stop));
            slot.consumers = Instances::default();
            let coordinator = Coordinator::new(
                Arc::clone(&self.name),
                Arc::clone(route),
                Arc::clone(&assignment),
                self.scheduler.clone(),
                self.producer.clone(),
                Arc::clone(&slot.consumers),
            );
            let previous = slot.coordinator.take();
            slot.coordinator = Some(self.scheduler.spawn(coordinator.run(previous)));
            slot.assignment = Some(assignment);
        }
        drop(slots);
        self.scheduler.monitor().emit(|| Event::PartitionsAssigned {
            group: self.name.to_string(),
            partitions,
        });
    }

    /// `partitions` are being taken away. Runs inside the connection's rebalance callback and
    /// blocks for up to the revocation's grace while running jobs finish.
    pub(crate) fn revoked(&self, backend: &B, partitions: Vec<TopicPartition>, how: Revocation) {
        let assignments: Vec<(Arc<Assignment<B::Source>>, bool)> = {
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
            self.scheduler.monitor().emit(|| Event::PartitionsLost {
                group: self.name.to_string(),
                partitions,
            });
            return;
        }
        let started = Instant::now();
        match backend.commit_stored() {
            Ok(()) => tracing::info!(
                group = %self.name,
                "Revoked partitions: {}; offsets committed in {} ms",
                list_partitions(&partitions),
                started.elapsed().as_millis()
            ),
            Err(error) => tracing::warn!(
                group = %self.name,
                %error,
                "Revoked partitions: {}; committing their offsets failed",
                list_partitions(&partitions)
            ),
        }
        self.scheduler.monitor().emit(|| Event::PartitionsRevoked {
            group: self.name.to_string(),
            partitions,
        });
    }

    /// The listeners of the runtime's events.
    pub(crate) fn monitor(&self) -> &Monitor {
        self.scheduler.monitor()
    }

    /// A job that is not long-running and has run longer than `limit` (`max.poll.interval.ms`).
    pub(crate) fn overdue(&self, limit: Duration) -> Option<RunningJob> {
        self.scheduler.running_held().into_iter().find(|job| {
            job.subscription == self.name && !job.long_running && job.started.elapsed() > limit
        })
    }

    /// Hands the partitions' latest marks to the sources' offset stores.
    pub(crate) fn store_offsets(&self) {
        for assignment in self
            .slots()
            .values()
            .filter_map(|slot| slot.assignment.as_ref())
        {
            assignment.store();
        }
    }

    /// The connection is closing: store the latest marks, then drop every handle on it so it can
    /// leave the group.
    pub(crate) fn release(&self) {
        self.store_offsets();
        self.slots().clear();
    }
}
