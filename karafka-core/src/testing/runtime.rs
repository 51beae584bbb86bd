//! The test runtime: an app's real routes and stacks, run by the real coordinators on the
//! in-memory backend, driven step by step from a test.

use std::any::Any;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::runtime::Handle;
use tokio::sync::{Notify, OwnedMappedMutexGuard, OwnedMutexGuard};
use tokio::time::{sleep, timeout_at, Instant};

use super::backend::{lock, GroupOffsets, MemoryBackend, SharedOffsets};
use super::source::Phase;
use super::TestError;
use crate::config::Config;
use crate::consumer::PartitionHandle;
use crate::jobs::{JobIndex, Jobs};
use crate::memory::Cluster;
use crate::messages::{Message, Origin};
use crate::middleware::SharedConsumer;
use crate::processing::{Backend as _, PartitionRegistry, Revocation, Scheduler};
use crate::producer::{Delivery, ProduceError, Producer, Record};
use crate::routing::{short_type_name, Subscription, TopicRoute};
use crate::{App, Consumer, TopicPartition};

/// How long `consume` waits, in virtual time, for jobs to end before it reports a stuck one.
const SETTLE_LIMIT: Duration = Duration::from_secs(24 * 60 * 60);
/// How often a revocation looks whether the partition's job ended, in virtual time.
const JOB_POLL: Duration = Duration::from_millis(1);

/// A consumer instance, locked for the test to look at (and change).
pub type ConsumerGuard<C> = OwnedMappedMutexGuard<Box<dyn Consumer>, C>;

/// A consumer group routing a topic, and that topic's route in it.
#[derive(Clone, Copy)]
struct Routed<'a> {
    group: &'a Group,
    route: &'a Arc<TopicRoute>,
}

/// One consumer group of the app: its routes, partitions and offsets.
struct Group {
    subscription: Arc<Subscription>,
    backend: MemoryBackend,
    registry: PartitionRegistry<MemoryBackend>,
    offsets: SharedOffsets,
}

/// An app's consumers on an in-memory Kafka, in virtual time: each topic's real stack (filters,
/// dead-letter queue, virtual partitions, the route's layers) runs in the runtime's real
/// coordinators, reading what the test produced; offsets are stored and committed in memory;
/// what the app produces (from consumers, dead-letter dispatches) lands in the in-memory topics.
///
/// Build it inside `#[tokio::test(start_paused = true)]`: with tokio's clock paused, backoffs,
/// pauses, `expire_in`, `delay_by` and `throttle` cost no real time.
pub struct TestRuntime {
    config: Config,
    cluster: Arc<Cluster>,
    producer: Producer,
    scheduler: Scheduler,
    changed: Arc<Notify>,
    groups: Vec<Group>,
    jobs: Arc<JobIndex>,
}

impl TestRuntime {
    /// Runs `app`'s routes on an in-memory Kafka. Its declared topics exist with their
    /// partitions; other topics are created with one partition on first use.
    ///
    /// # Errors
    /// [`TestError::NoRuntime`] outside a Tokio runtime.
    pub fn new(app: App) -> Result<Self, TestError> {
        let runtime = Handle::try_current().map_err(|_| TestError::NoRuntime)?;
        let App {
            config,
            subscriptions,
            declared,
            monitor,
            producers,
            jobs,
            ..
        } = app;
        let cluster = Arc::new(Cluster::new());
        for topic in &declared {
            cluster.create_topic(&topic.name, topic.config.partitions);
        }
        // The app's producer layers apply in tests too: the records they change land as changed.
        // In memory every route's cluster is the one cluster.
        let producer = producers.main().layers_in_memory(Arc::clone(&cluster));
        let scheduler = Scheduler::new(config.concurrency, runtime, monitor);
        let changed = Arc::new(Notify::new());
        let groups = subscriptions
            .into_iter()
            .map(|subscription| {
                let offsets: SharedOffsets = Arc::new(Mutex::new(GroupOffsets::default()));
                let subscription = Arc::new(subscription);
                Group {
                    backend: MemoryBackend::new(
                        Arc::clone(&cluster),
                        Arc::clone(&offsets),
                        Arc::clone(&changed),
                    ),
                    registry: PartitionRegistry::new(
                        Arc::clone(&subscription),
                        scheduler.clone(),
                        producer.clone(),
                        config.shutdown_timeout,
                    ),
                    subscription,
                    offsets,
                }
            })
            .collect();
        Ok(Self {
            config,
            cluster,
            producer,
            scheduler,
            changed,
            groups,
            jobs,
        })
    }

    /// The app's producer, writing to the in-memory topics.
    pub fn producer(&self) -> &Producer {
        &self.producer
    }

    /// Enqueues background jobs to the in-memory topics, as the app's
    /// [`App::jobs`](crate::App::jobs) does on Kafka; [`TestRuntime::consume`] of the jobs topic
    /// then performs them.
    pub fn jobs(&self) -> Jobs {
        Jobs::new(Arc::clone(&self.jobs), self.producer.clone())
    }

    /// Writes `record` to its in-memory topic, as another service would: to its partition,
    /// else by its key's hash (not Kafka's murmur2), else to partition 0.
    ///
    /// # Errors
    /// [`ProduceError::Delivery`] for a partition the topic does not have.
    pub fn produce(&self, record: Record) -> Result<Delivery, ProduceError> {
        crate::producer::memory::produce(&self.cluster, record, false)
    }

    /// Assigns every partition of `topic` not owned yet to its consumer groups, then runs the
    /// coordinators until each partition has handled everything produced so far or is paused
    /// (after a failure, or because its consumer asked). Virtual time passes as the jobs need:
    /// a retry whose backoff ended meanwhile runs in this call. A partition paused when `consume`
    /// was called is resumed first. Partitions stopped by [`TestRuntime::shutdown`] count as
    /// settled once their last job ended.
    ///
    /// # Errors
    /// [`TestError::NotRouted`], [`TestError::NothingProduced`], [`TestError::ShutDown`];
    /// [`TestError::Failed`] when a partition ended paused after a failed job (the next
    /// `consume` retries it);
    /// [`TestError::NotSettled`] when a job runs longer than a day of virtual time.
    pub async fn consume(&self, topic: &str) -> Result<(), TestError> {
        let groups = self.groups_of(topic)?;
        self.running(topic)?;
        if self.cluster.records(topic).is_empty() {
            return Err(TestError::NothingProduced {
                topic: topic.to_owned(),
            });
        }
        let partitions: Vec<TopicPartition> = (0..self.cluster.partition_count(topic))
            .map(|partition| TopicPartition::new(topic, partition))
            .collect();
        for routed in &groups {
            for partition in &partitions {
                assign(routed.group, partition);
            }
        }
        let stale = pauses(&groups, &partitions);
        let deadline = Instant::now() + SETTLE_LIMIT;
        loop {
            let changed = self.changed.notified();
            tokio::pin!(changed);
            // Registered before looking, so a change in between still wakes the wait.
            changed.as_mut().enable();
            if groups.iter().all(|routed| {
                partitions
                    .iter()
                    .all(|partition| settled(routed.group, partition, &stale))
            }) {
                break;
            }
            // A shutdown stops coordinators without changing their sources' phase: wake up
            // when they all ended, too.
            let woken = async {
                tokio::select! {
                    () = changed => {}
                    () = self.scheduler.stopped() => {}
                }
            };
            if timeout_at(deadline, woken).await.is_err() {
                return Err(TestError::NotSettled {
                    topic: topic.to_owned(),
                    // `groups_of` returns at least one group.
                    consumer: groups[0].route.consumer_name,
                    waited: SETTLE_LIMIT,
                });
            }
        }
        for routed in &groups {
            commit(routed.group);
        }
        failure(&groups, &partitions, &stale)
    }

    /// Sets or lifts a command's hold on `partition` of `topic` (`Control::pause` and
    /// `resume`), as the server's control does.
    #[cfg(test)]
    pub(crate) fn hold(&self, topic: &str, partition: i32, held: bool) -> Result<(), TestError> {
        let target = TopicPartition::new(topic, partition);
        for Routed { group, .. } in self.groups_of(topic)? {
            group.registry.hold(&target, held);
        }
        // A `consume` waiting on the partition looks again.
        self.changed.notify_waiters();
        Ok(())
    }

    /// Makes every partition hold after its running job (`Control::quiet`), or lifts that.
    #[cfg(test)]
    pub(crate) fn quiet(&self, quiet: bool) {
        if quiet {
            self.scheduler.quiet_down();
        } else {
            self.scheduler.quiet().set(false);
        }
        self.changed.notify_waiters();
    }

    /// Takes `partition` of `topic` away from its consumer groups as a rebalance does: a running
    /// job finishes first (a long-running one sees [`Context::revoked`](crate::Context::revoked)
    /// instead), marks are committed, and the consumer's `revoked` hook runs. The next
    /// `consume` of the topic assigns it again, from the committed offset, to new instances.
    ///
    /// # Errors
    /// [`TestError::NotRouted`]; [`TestError::NotSettled`] when a running job does not end
    /// within `shutdown_timeout` of virtual time.
    pub async fn revoke(&self, topic: &str, partition: i32) -> Result<(), TestError> {
        self.running(topic)?;
        let target = TopicPartition::new(topic, partition);
        for Routed { group, route } in self.groups_of(topic)? {
            let Some(assignment) = group.registry.assignment(&target) else {
                continue;
            };
            if assignment.is_revoked() {
                continue;
            }
            let stuck = || TestError::NotSettled {
                topic: topic.to_owned(),
                consumer: route.consumer_name,
                waited: self.config.shutdown_timeout,
            };
            if !route.long_running_job {
                // The registry's graceful revocation waits for the job on a blocking condition
                // variable; in a test that job needs virtual time to pass, so wait here instead.
                assignment.stop_new_jobs();
                self.wait_until(|| !assignment.job_running())
                    .await
                    .map_err(|()| stuck())?;
            }
            group
                .registry
                .revoked(&group.backend, vec![target.clone()], Revocation::Graceful);
            // A `consume` waiting on the partition counts it as settled now.
            self.changed.notify_waiters();
            self.wait_until(|| group.registry.coordinator_finished(&target))
                .await
                .map_err(|()| stuck())?;
        }
        Ok(())
    }

    /// `Err` once [`TestRuntime::shutdown`] was called.
    fn running(&self, topic: &str) -> Result<(), TestError> {
        if self.scheduler.shutdown_token().is_cancelled() {
            return Err(TestError::ShutDown {
                topic: topic.to_owned(),
            });
        }
        Ok(())
    }

    /// Waits, in virtual time, until `done` holds; `Err` after `shutdown_timeout`.
    async fn wait_until(&self, done: impl Fn() -> bool) -> Result<(), ()> {
        let waited = Instant::now();
        while !done() {
            if waited.elapsed() > self.config.shutdown_timeout {
                return Err(());
            }
            sleep(JOB_POLL).await;
        }
        Ok(())
    }

    /// Stops every partition as the server's graceful shutdown does: running jobs get
    /// `shutdown_timeout` (virtual) to finish, `shutdown` hooks run, marks are committed.
    /// `true` when everything finished in time.
    pub async fn shutdown(&self) -> bool {
        let drained = self.scheduler.drain(self.config.shutdown_timeout).await;
        for group in &self.groups {
            commit(group);
        }
        drained
    }

    /// The offset `topic`/`partition` would resume from after a restart (the next offset to
    /// read), as committed by the first consumer group routing the topic; `None` when nothing
    /// was committed.
    pub fn committed(&self, topic: &str, partition: i32) -> Option<i64> {
        self.committed_in(None, topic, partition)
    }

    /// [`TestRuntime::committed`] in consumer group `group`.
    pub fn committed_in(&self, group: Option<&str>, topic: &str, partition: i32) -> Option<i64> {
        let group = self.groups.iter().find(|candidate| {
            candidate.subscription.route_for(topic).is_some()
                && group.is_none_or(|name| candidate.subscription.group_id == name)
        })?;
        lock(&group.offsets).committed(&TopicPartition::new(topic, partition))
    }

    /// The records the app produced to `topic` (from consumers, dead-letter dispatches, the
    /// app's producer), in partition and offset order; not those the test produced. They decode
    /// with the deserializers of the route of `topic`, the built-in ones when it is not routed.
    pub fn produced(&self, topic: &str) -> Vec<Message> {
        let deserializers = self
            .groups
            .iter()
            .find_map(|group| group.subscription.route_for(topic))
            .map(|route| route.deserializers.clone())
            .unwrap_or_default();
        self.cluster
            .records(topic)
            .into_iter()
            .filter(|(_, _, record)| record.by_app)
            .map(|(partition, offset, record)| {
                let origin = Origin::new(topic, partition, deserializers.clone());
                record.into_message(origin, offset)
            })
            .collect()
    }

    /// The consumer instances of `topic`/`partition` in the first consumer group routing it: one,
    /// or one per virtual partition, each locked for the test. They persist across batches and
    /// retries, as in the server.
    ///
    /// # Errors
    /// [`TestError::NotRouted`]; [`TestError::WrongConsumer`] when the topic is consumed by
    /// another type than `C`; [`TestError::NotAssigned`] before the partition was consumed;
    /// [`TestError::Busy`] while a job runs.
    pub fn consumers<C: Consumer>(
        &self,
        topic: &str,
        partition: i32,
    ) -> Result<Vec<ConsumerGuard<C>>, TestError> {
        // `groups_of` returns at least one group.
        let Routed { group, route } = self.groups_of(topic)?[0];
        let asked = short_type_name::<C>();
        let target = TopicPartition::new(topic, partition);
        let instances = group.registry.consumers(&target);
        if instances.is_empty() {
            return Err(TestError::NotAssigned {
                topic: topic.to_owned(),
                partition,
                consumer: route.consumer_name,
            });
        }
        instances
            .into_iter()
            .map(|instance: SharedConsumer| {
                let guard: OwnedMutexGuard<Box<dyn Consumer>> =
                    instance.try_lock_owned().map_err(|_| TestError::Busy {
                        topic: topic.to_owned(),
                        partition,
                        consumer: route.consumer_name,
                    })?;
                OwnedMutexGuard::try_map(guard, |consumer| {
                    let any: &mut dyn Any = consumer.as_mut();
                    any.downcast_mut::<C>()
                })
                .map_err(|_| TestError::WrongConsumer {
                    topic: topic.to_owned(),
                    asked,
                    actual: route.consumer_name,
                })
            })
            .collect()
    }

    /// The consumer groups routing `topic`, at least one, with its route in each.
    fn groups_of(&self, topic: &str) -> Result<Vec<Routed<'_>>, TestError> {
        let groups: Vec<Routed<'_>> = self
            .groups
            .iter()
            .filter_map(|group| {
                let route = group.subscription.route_for(topic)?;
                Some(Routed { group, route })
            })
            .collect();
        if groups.is_empty() {
            let routed: Vec<String> = self
                .groups
                .iter()
                .flat_map(|group| group.subscription.subscriptions())
                .collect();
            return Err(TestError::NotRouted {
                topic: topic.to_owned(),
                routed: routed.join(", "),
            });
        }
        Ok(groups)
    }
}

/// Assigns `partition` to `group` unless it owns it: a new assignment reads from the committed
/// offset, like after a rebalance.
fn assign(group: &Group, partition: &TopicPartition) {
    if group
        .registry
        .assignment(partition)
        .is_some_and(|assignment| !assignment.is_revoked())
    {
        return;
    }
    if let Some(source) = group.registry.source(partition) {
        source.rewind_to_committed();
    }
    group
        .registry
        .assigned(&group.backend, vec![partition.clone()]);
}

/// The pauses in force now: a partition paused by one of them must move on before it counts as
/// settled again.
fn pauses(groups: &[Routed<'_>], partitions: &[TopicPartition]) -> HashSet<u64> {
    groups
        .iter()
        .flat_map(|routed| partitions.iter().map(|p| routed.group.registry.source(p)))
        .flatten()
        .filter_map(|source| match source.phase().0 {
            Phase::Paused { id, .. } => Some(id),
            _ => None,
        })
        .collect()
}

/// The first partition that ended paused after a failed job, as an error.
fn failure(
    groups: &[Routed<'_>],
    partitions: &[TopicPartition],
    stale: &HashSet<u64>,
) -> Result<(), TestError> {
    for routed in groups {
        for partition in partitions {
            let Some(source) = routed.group.registry.source(partition) else {
                continue;
            };
            if let (
                Phase::Paused {
                    id,
                    retry: Some(retry),
                },
                _,
            ) = source.phase()
            {
                if stale.contains(&id) {
                    continue;
                }
                return Err(TestError::Failed {
                    topic: partition.topic.clone(),
                    partition: partition.partition,
                    consumer: routed.route.consumer_name,
                    offset: retry.offset,
                    attempt: retry.attempt,
                    error: retry.error,
                });
            }
        }
    }
    Ok(())
}

/// Whether `partition` of `group` has nothing left to do for now: it handled everything
/// produced, is paused by a pause not in `stale`, is no longer owned, or its coordinator ended
/// (after a shutdown).
fn settled(group: &Group, partition: &TopicPartition, stale: &HashSet<u64>) -> bool {
    let owned = group
        .registry
        .assignment(partition)
        .is_some_and(|assignment| !assignment.is_revoked());
    let Some(source) = group
        .registry
        .source(partition)
        .filter(|_| owned && !group.registry.coordinator_finished(partition))
    else {
        return true;
    };
    match source.phase() {
        (Phase::Waiting, read_all) => read_all,
        (Phase::Paused { id, .. }, _) => !stale.contains(&id),
        (Phase::Busy, _) => false,
    }
}

/// Hands the latest marks to the store and commits them, as the listener does every
/// `auto.commit.interval.ms`.
fn commit(group: &Group) {
    group.registry.store_offsets();
    let Ok(()) = group.backend.commit_stored();
}
