//! What a running server is doing, as [`Control::status`](super::Control::status) reports it.

use std::time::Duration;

use crate::instrumentation::statistics::PartitionStatistics;
use crate::instrumentation::AppState;
use crate::{RunningJob, TopicPartition};

/// A running server's state at one moment.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ServerStatus {
    /// What the server is doing: [`AppState::Running`], [`AppState::Quieting`] (quiet was asked,
    /// jobs still run), [`AppState::Quiet`] (none runs) or [`AppState::Stopping`].
    pub state: AppState,
    /// Quiet was asked ([`AppState::Quieting`] or [`AppState::Quiet`], or stopping after it):
    /// no partition starts a new job.
    pub quiet: bool,
    /// A stop was asked.
    pub stopping: bool,
    /// Each subscription group.
    pub groups: Vec<GroupStatus>,
    /// The consume jobs running now, oldest first.
    pub jobs: Vec<RunningJob>,
}

/// One subscription group of a running server.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct GroupStatus {
    /// `<consumer group>/<subscription group>`.
    pub name: String,
    /// The consumer group (Kafka's `group.id`).
    pub consumer_group: String,
    /// Time since its consumer last polled.
    pub poll_age: Duration,
    /// Whether its consumer is in the group.
    pub joined: bool,
    /// The partitions it owns, in order.
    pub partitions: Vec<PartitionStatus>,
}

/// One partition a subscription group owns.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PartitionStatus {
    /// The partition.
    pub partition: TopicPartition,
    /// librdkafka's latest figures for it (lag, offsets, watermarks), once reported.
    pub statistics: Option<PartitionStatistics>,
    /// A command paused it until a command resumes it.
    pub held: bool,
}
