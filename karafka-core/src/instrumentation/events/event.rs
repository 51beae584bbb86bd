//! What the runtime reports.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::instrumentation::statistics::Statistics;
use crate::TopicPartition;

/// One thing that happened in the runtime. [`Event::name`] gives Karafka's name for it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// The server changed state (`app.running`, `app.quieting`, `app.quiet`, `app.stopping`,
    /// `app.stopped`).
    AppStateChanged {
        /// The new state.
        state: AppState,
    },
    /// A batch is handed to its topic's stack (`consumer.consume`).
    ConsumeStarted {
        /// The batch.
        batch: Batch,
    },
    /// A batch's job succeeded (`consumer.consumed`).
    Consumed {
        /// The batch.
        batch: Batch,
        /// How long the job ran.
        duration: Duration,
        /// How old the batch's first message was when the job ended (its timestamp to now), if
        /// it has a timestamp: the end-to-end latency of the batch's oldest message.
        latency: Option<Duration>,
    },
    /// A partition's consumer instance ran its `revoked` hook (`consumer.revoked`).
    ConsumerRevoked {
        /// The partition.
        partition: TopicPartition,
    },
    /// A partition's consumer instance ran its `shutdown` hook (`consumer.shutdown`).
    ConsumerShutdown {
        /// The partition.
        partition: TopicPartition,
    },
    /// A partition's consumer instances ran their `tick` hook (`consumer.ticked`).
    Ticked {
        /// The partition.
        partition: TopicPartition,
        /// How long the tick ran.
        duration: Duration,
    },
    /// A partition's consumer instances ran their `eofed` hook: it was read to its end
    /// (`consumer.eofed`).
    Eofed {
        /// The partition.
        partition: TopicPartition,
    },
    /// A partition pauses: a retry's backoff, or its consumer asked
    /// (`consumer.consuming.pause`).
    Paused {
        /// The partition.
        partition: TopicPartition,
        /// Where it resumes.
        offset: i64,
        /// For how long: `Duration::MAX` for a command's pause or quiet, which lasts until a
        /// command lifts it.
        timeout: Duration,
        /// The consumer or a command asked (`Context::pause`, a pause command, quiet);
        /// otherwise a retry's backoff.
        manual: bool,
    },
    /// A pause ended (`consumer.consuming.resume`).
    Resumed {
        /// The partition.
        partition: TopicPartition,
    },
    /// A failed batch will run again after `backoff` (`consumer.consuming.retry`).
    Retry {
        /// The partition.
        partition: TopicPartition,
        /// The first offset the retry runs.
        offset: i64,
        /// The attempt the retry will be (2 for the first retry).
        attempt: u32,
        /// The pause before it.
        backoff: Duration,
    },
    /// A partition continues from `offset`, as its consumer asked (`consumer.consuming.seek`).
    Seek {
        /// The partition.
        partition: TopicPartition,
        /// Where it continues.
        offset: i64,
    },
    /// The group assigned partitions to this process (`rebalance.partitions_assigned`).
    PartitionsAssigned {
        /// The subscription group (`<consumer group>/<subscription group>`).
        group: String,
        /// The partitions.
        partitions: Vec<TopicPartition>,
    },
    /// Partitions were taken away in a rebalance, their marks committed
    /// (`rebalance.partitions_revoked`).
    PartitionsRevoked {
        /// The subscription group.
        group: String,
        /// The partitions.
        partitions: Vec<TopicPartition>,
    },
    /// Partitions were lost: another member owns them already (`rebalance.partitions_lost`).
    PartitionsLost {
        /// The subscription group.
        group: String,
        /// The partitions.
        partitions: Vec<TopicPartition>,
    },
    /// A message was written to its dead-letter topic and acknowledged
    /// (`dead_letter_queue.dispatched`).
    DeadLetterDispatched {
        /// Where the message came from.
        source: TopicPartition,
        /// Its offset there.
        offset: i64,
        /// The dead-letter topic.
        topic: String,
        /// Where the copy landed there.
        dead_letter_partition: i32,
        /// Its offset there.
        dead_letter_offset: i64,
        /// How many attempts failed.
        attempts: u32,
        /// Why: the last attempt's error with its causes on one line, or `dispatched by the
        /// consumer` for `Context::dispatch_to_dlq`.
        reason: String,
    },
    /// The broker acknowledged a commit of `offset` (the next offset to consume)
    /// (`commit.acknowledged`).
    CommitAcknowledged {
        /// The subscription group.
        group: String,
        /// The partition.
        partition: TopicPartition,
        /// The committed offset.
        offset: i64,
    },
    /// Something failed (`error.occurred`).
    ErrorOccurred {
        /// What failed.
        kind: ErrorKind,
        /// The partition concerned, if one is.
        partition: Option<TopicPartition>,
        /// The offset concerned (a batch's first unmarked message, a message), if one is.
        offset: Option<i64>,
        /// The error, as displayed (secrets redacted like in logs).
        error: String,
        /// The job that failed, for errors of a consume job (consume, decode, panic, dead-letter
        /// write).
        job: Option<FailedJob>,
    },
    /// librdkafka reported its statistics, every `statistics.interval.ms` of the subscription
    /// group's `kafka` settings (`statistics.emitted`).
    StatisticsEmitted {
        /// The subscription group.
        group: String,
        /// The figures.
        statistics: Arc<Statistics>,
    },
    /// A subscription group's listener polled its consumer, about every 100 ms while it is
    /// healthy (`connection.listener.polled`).
    ListenerPolled {
        /// The subscription group.
        group: String,
        /// How long since the previous poll.
        since_previous: Duration,
    },
}

impl Event {
    /// Karafka's name for the event, e.g. `consumer.consumed`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::AppStateChanged { state } => state.event_name(),
            Self::ConsumeStarted { .. } => "consumer.consume",
            Self::Consumed { .. } => "consumer.consumed",
            Self::ConsumerRevoked { .. } => "consumer.revoked",
            Self::ConsumerShutdown { .. } => "consumer.shutdown",
            Self::Ticked { .. } => "consumer.ticked",
            Self::Eofed { .. } => "consumer.eofed",
            Self::Paused { .. } => "consumer.consuming.pause",
            Self::Resumed { .. } => "consumer.consuming.resume",
            Self::Retry { .. } => "consumer.consuming.retry",
            Self::Seek { .. } => "consumer.consuming.seek",
            Self::PartitionsAssigned { .. } => "rebalance.partitions_assigned",
            Self::PartitionsRevoked { .. } => "rebalance.partitions_revoked",
            Self::PartitionsLost { .. } => "rebalance.partitions_lost",
            Self::DeadLetterDispatched { .. } => "dead_letter_queue.dispatched",
            Self::CommitAcknowledged { .. } => "commit.acknowledged",
            Self::ErrorOccurred { .. } => "error.occurred",
            Self::StatisticsEmitted { .. } => "statistics.emitted",
            Self::ListenerPolled { .. } => "connection.listener.polled",
        }
    }
}

/// A batch, as the events about it describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    /// The subscription group (`<consumer group>/<subscription group>`).
    pub group: String,
    /// The consumer's type name.
    pub consumer: &'static str,
    /// The partition.
    pub partition: TopicPartition,
    /// The first message's offset.
    pub first_offset: i64,
    /// The last message's offset.
    pub last_offset: i64,
    /// How many messages.
    pub size: usize,
    /// 1 on the first run, 2 on the first retry.
    pub attempt: u32,
}

/// A consume job that failed, in an [`Event::ErrorOccurred`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedJob {
    /// Its batch.
    pub batch: Batch,
    /// How long it ran.
    pub duration: Duration,
}

/// The server's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AppState {
    /// Every subscription group's listener started.
    Running,
    /// Quiet was asked (SIGTSTP, [`Control::quiet`](crate::plugin::Control::quiet)): no
    /// partition starts a new job, the running ones finish (Karafka's `app.quieting`).
    Quieting,
    /// Quiet: no job runs, and the process stays in its groups holding its partitions until it
    /// is stopped (Karafka's `app.quiet`).
    Quiet,
    /// A stop was asked: no new batches, running jobs get `shutdown_timeout`.
    Stopping,
    /// Everything stopped and the consumers left their groups.
    Stopped,
}

/// Karafka's name of the state: `running`, `quieting`, `quiet`, `stopping`, `stopped`.
impl fmt::Display for AppState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self.event_name();
        f.write_str(name.strip_prefix("app.").unwrap_or(name))
    }
}

impl AppState {
    fn event_name(self) -> &'static str {
        match self {
            Self::Running => "app.running",
            Self::Quieting => "app.quieting",
            Self::Quiet => "app.quiet",
            Self::Stopping => "app.stopping",
            Self::Stopped => "app.stopped",
        }
    }
}

/// What failed, in an [`Event::ErrorOccurred`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The consumer (or a layer) returned an error.
    Consume,
    /// A payload, key or headers did not decode (a `DecodeError`).
    Decode,
    /// The consumer panicked.
    Panic,
    /// The broker refused a commit.
    Commit,
    /// A dead-letter write failed or was refused.
    DeadLetterWrite,
    /// A job outran `max.poll.interval.ms`; the member left its group.
    MaxPollIntervalExceeded,
    /// librdkafka reported an error it does not recover from by itself (an unknown topic, an
    /// authorization failure, a fatal error).
    Librdkafka,
    /// An instrumentation listener panicked.
    Listener,
    /// A consumer's `tick` failed (it is not retried).
    Tick,
    /// A consumer's `eofed` failed (it is not retried).
    Eofed,
    /// A critical error ([`Critical`](crate::consumer::Critical), or a type the route declared
    /// critical): the server stops instead of retrying.
    Critical,
}
