//! Commanding a running server: stop, quiet, pause or resume one partition.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

use super::status::{GroupStatus, PartitionStatus, ServerStatus};
use crate::connection::{KafkaConsumer, Pulse};
use crate::instrumentation::AppState;
use crate::processing::{PartitionRegistry, Scheduler};
use crate::TopicPartition;

/// Why a command was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ControlError {
    /// No subscription group of this process owns the partition now.
    #[error("this process does not own {0} (not assigned here, or being handed over)")]
    NotOwned(TopicPartition),
}

/// One subscription group, as the control and the health probes see it.
#[derive(Clone)]
pub(crate) struct WatchedGroup {
    pub(crate) name: String,
    pub(crate) consumer_group: String,
    pub(crate) pulse: Arc<Pulse>,
    pub(crate) max_poll_interval: Duration,
    pub(crate) registry: Arc<PartitionRegistry<KafkaConsumer>>,
}

/// Commands a running server: what SIGTERM does, quiet, and a pause of one partition until it
/// is resumed. Cheap to clone.
#[derive(Clone)]
pub struct Control {
    inner: Arc<Inner>,
}

struct Inner {
    stop: CancellationToken,
    scheduler: Scheduler,
    groups: Vec<WatchedGroup>,
}

impl Control {
    pub(crate) fn new(scheduler: Scheduler, groups: Vec<WatchedGroup>) -> Self {
        Self {
            inner: Arc::new(Inner {
                stop: CancellationToken::new(),
                scheduler,
                groups,
            }),
        }
    }

    /// Cancelled by [`Control::stop`].
    pub(crate) fn stop_token(&self) -> &CancellationToken {
        &self.inner.stop
    }

    pub(crate) fn groups(&self) -> &[WatchedGroup] {
        &self.inner.groups
    }

    /// Stops the server gracefully, as SIGTERM does.
    pub fn stop(&self) {
        self.inner.stop.cancel();
    }

    /// Makes the server quiet: running jobs finish, no partition starts a new one, and the
    /// process stays in its groups holding its partitions until it is stopped (Karafka's quiet
    /// mode, used before a deploy).
    ///
    /// Emits [`AppState::Quieting`] at once and [`AppState::Quiet`] once no job runs (SIGTSTP
    /// does the same to a server run with [`Server::run`](crate::Server::run)); asking again
    /// does nothing.
    pub fn quiet(&self) {
        self.inner.scheduler.quiet_down();
    }

    /// Pauses `partition` after its running job until [`Control::resume`].
    ///
    /// # Errors
    /// [`ControlError::NotOwned`] when no subscription group of this process owns it.
    pub fn pause(&self, partition: &TopicPartition) -> Result<(), ControlError> {
        self.hold(partition, true)
    }

    /// Lifts a [`Control::pause`] of `partition`.
    ///
    /// # Errors
    /// [`ControlError::NotOwned`] when no subscription group of this process owns it.
    pub fn resume(&self, partition: &TopicPartition) -> Result<(), ControlError> {
        self.hold(partition, false)
    }

    fn hold(&self, partition: &TopicPartition, held: bool) -> Result<(), ControlError> {
        self.inner
            .groups
            .iter()
            .find_map(|group| group.registry.hold(partition, held))
            .map(|_| ())
            .ok_or_else(|| ControlError::NotOwned(partition.clone()))
    }

    /// What the server is doing now.
    pub fn status(&self) -> ServerStatus {
        let now = Instant::now();
        let scheduler = &self.inner.scheduler;
        let stopping = scheduler.shutdown_token().is_cancelled();
        let quiet = scheduler.quiet_state();
        ServerStatus {
            state: match quiet {
                _ if stopping => AppState::Stopping,
                Some(quiet) => quiet,
                None => AppState::Running,
            },
            quiet: quiet.is_some(),
            stopping,
            groups: self
                .inner
                .groups
                .iter()
                .map(|group| GroupStatus {
                    name: group.name.clone(),
                    consumer_group: group.consumer_group.clone(),
                    poll_age: now.saturating_duration_since(group.pulse.last_poll()),
                    joined: group.pulse.joined(),
                    partitions: group
                        .registry
                        .owned()
                        .into_iter()
                        .map(|owned| PartitionStatus {
                            partition: owned.partition,
                            statistics: owned.statistics,
                            held: owned.held,
                        })
                        .collect(),
                })
                .collect(),
            jobs: self.inner.scheduler.running(),
        }
    }
}
