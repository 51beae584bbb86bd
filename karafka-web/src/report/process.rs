//! A process's periodic report: who it is, what it holds and how far behind it is.

use serde::{Deserialize, Serialize};

/// One process's state at one moment, written to the reports topic keyed by
/// [`ProcessInfo::id`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The report format ([`SCHEMA`](super::SCHEMA) when written by this build).
    pub schema: u32,
    /// When the report was written, in milliseconds since the Unix epoch.
    pub dispatched_at: u64,
    /// The process.
    pub process: ProcessInfo,
    /// Its subscription groups, each with its partitions.
    pub groups: Vec<GroupReport>,
    /// Its consume jobs running when the report was written.
    pub jobs: Vec<JobReport>,
    /// What it did since it started.
    pub counters: Counters,
}

/// Who a process is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProcessInfo {
    /// Unique per process run: `<host>:<pid>:<start in ms>`.
    pub id: String,
    /// The host name.
    pub host: String,
    /// The operating system's process id.
    pub pid: u32,
    /// When the process started, in milliseconds since the Unix epoch.
    pub started_at: u64,
    /// Resident memory, in bytes (0 where the platform does not say).
    pub rss_bytes: u64,
    /// What the process is doing.
    pub state: ProcessState,
    /// How many consume jobs may run at once (`concurrency`).
    pub concurrency: usize,
    /// How often the process reports, in milliseconds: a reader treats a process whose latest
    /// report is much older as gone.
    pub report_interval_ms: u64,
    /// karafka's version.
    pub version: String,
}

/// What a process is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ProcessState {
    /// Consuming.
    Running,
    /// Quiet: in its groups and holding its partitions, but starting no new job.
    Quiet,
    /// Shutting down.
    Stopping,
    /// Shut down (its last report).
    Stopped,
}

/// One subscription group of a process.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupReport {
    /// `<consumer group>/<subscription group>`.
    pub name: String,
    /// The consumer group (Kafka's `group.id`).
    pub consumer_group: String,
    /// Milliseconds since its consumer last polled.
    pub poll_age_ms: u64,
    /// Whether its consumer is in the group.
    pub joined: bool,
    /// The partitions assigned to it.
    pub partitions: Vec<PartitionReport>,
}

/// One assigned partition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartitionReport {
    /// The topic.
    pub topic: String,
    /// The partition.
    pub partition: i32,
    /// Messages between the committed offset and the partition's end, when known.
    pub lag: Option<i64>,
    /// Messages between the stored offset (handled, not yet committed) and the end, when known.
    pub stored_lag: Option<i64>,
    /// The committed offset (the next message the group reads after a restart), when known.
    pub committed_offset: Option<i64>,
    /// The stored offset (the next to commit), when known.
    pub stored_offset: Option<i64>,
    /// The partition's end (high watermark), when known.
    pub high_watermark: Option<i64>,
    /// Whether it consumes, waits out a pause, or retries.
    pub state: PartitionState,
}

/// Whether a partition consumes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
#[non_exhaustive]
pub enum PartitionState {
    /// Consuming.
    Running,
    /// Paused by its consumer (`ctx.pause`).
    Paused,
    /// Paused by a command until a resume command.
    Held,
    /// Waiting to retry a failed batch.
    Retrying {
        /// The attempt that failed (1 for the first run).
        attempt: u32,
    },
}

/// A consume job running when the report was written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobReport {
    /// Its subscription group (`<consumer group>/<subscription group>`).
    pub group: String,
    /// The consumer's type name.
    pub consumer: String,
    /// The topic of its batch.
    pub topic: String,
    /// The partition of its batch.
    pub partition: i32,
    /// How long it had been running, in milliseconds.
    pub running_ms: u64,
    /// Whether its route lets it outlive `max.poll.interval.ms`.
    pub long_running: bool,
}

/// What a process did since it started; a reader turns two reports' counters into rates.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counters {
    /// Messages whose jobs succeeded.
    pub messages: u64,
    /// Batches whose jobs succeeded.
    pub batches: u64,
    /// Errors (failed jobs and others).
    pub errors: u64,
    /// Retries of failed batches.
    pub retries: u64,
    /// Messages sent to dead-letter topics.
    pub dead_letters: u64,
}
