//! The seam between processing and Kafka: what the runtime needs from the partitions of one
//! subscription group. `connection` implements it on librdkafka; the in-memory backend of
//! [`crate::testing`] implements it for tests. Processing is generic over it, so the hot path
//! pays no dynamic dispatch.

use std::fmt::Display;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use rdkafka::consumer::ConsumerGroupMetadata;
use tokio::time::Instant;

use crate::instrumentation::statistics::PartitionStatistics;
use crate::messages::{Message, Origin};
use crate::offsets::SeekTarget;

/// One partition's messages and the offset operations on it.
pub(crate) trait PartitionSource: Send + Sync + 'static {
    /// Why an offset operation failed.
    type Error: Display + Send;

    /// The partition, and how its payloads decode.
    fn origin(&self) -> &Arc<Origin>;

    /// The next batch: up to `max_messages`, gathered for at most `max_wait` from the call, and
    /// returned early at the partition's end; when nothing is there, it waits for the first
    /// message as long as it takes. With `report_end`, an empty batch once the partition was
    /// read to its end (once each time it gets there). Also returns how long it gathered after
    /// the first message.
    fn next_batch(
        &self,
        max_messages: usize,
        max_wait: Duration,
        report_end: bool,
    ) -> impl Future<Output = (Vec<Message>, Duration)> + Send;

    /// What the partition holds ready now, up to `max_messages`, without waiting: the next batch
    /// of a partition whose previous batches still run. Empty when nothing is ready.
    fn available(&self, max_messages: usize) -> Vec<Message>;

    /// The partition's end as last seen, if known.
    fn high_watermark(&self) -> Option<i64>;

    /// The partition's latest figures (lag, watermarks, offsets), if any were reported.
    fn insights(&self) -> Option<PartitionStatistics>;

    /// The offset to store once everything before `next_unmarked` was handled; past records the
    /// consumer never sees (transaction markers) when only those follow.
    fn committable(&self, next_unmarked: i64) -> i64;

    /// Stores `offset + 1` as the next offset to commit, with `metadata` when given (the
    /// offset metadata Kafka keeps beside a committed offset).
    ///
    /// # Errors
    /// When the partition is no longer assigned.
    fn store(&self, offset: i64, metadata: Option<&str>) -> Result<(), Self::Error>;

    /// Commits `offset + 1` (with `metadata` when given) and waits for the answer. Blocks:
    /// call off the async threads.
    ///
    /// # Errors
    /// When the commit was refused or timed out.
    fn commit_sync(&self, offset: i64, metadata: Option<&str>) -> Result<(), Self::Error>;

    /// The metadata committed with the partition's offset for this consumer group, if any.
    /// Blocks: asks the broker.
    ///
    /// # Errors
    /// When the broker did not answer.
    fn committed_metadata(&self) -> Result<Option<String>, Self::Error>;

    /// The offset committed for the partition in this consumer group (the next to consume), if
    /// any. Blocks: asks the broker.
    ///
    /// # Errors
    /// When the broker did not answer.
    fn committed_offset(&self) -> Result<Option<i64>, Self::Error>;

    /// The consumer group's metadata (member, generation) a transaction sends its offsets with,
    /// so the broker fences a member that lost the partition; `None` in memory.
    fn group_metadata(&self) -> Option<ConsumerGroupMetadata> {
        None
    }

    /// Commits every offset stored on this partition's connection and waits for the answer.
    /// Blocks: call off the async threads.
    ///
    /// # Errors
    /// When the commit was refused or timed out.
    fn commit_stored(&self) -> Result<(), Self::Error>;

    /// The offset `target` stands for in this partition: the first at or after a time (the end
    /// where none is), the oldest held, the end, or an offset as it is. Blocks: may ask the
    /// broker.
    ///
    /// # Errors
    /// When the broker did not answer.
    fn resolve(&self, target: SeekTarget) -> Result<i64, Self::Error>;

    /// Moves the read position to `offset`; what was read past it is read again.
    ///
    /// # Errors
    /// When the seek was refused.
    fn seek(&self, offset: i64) -> Result<(), Self::Error>;

    /// The wall clock messages' ages are measured against (`expire_in`, `delay_by`, `throttle`):
    /// the system's, or the test's virtual one.
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }

    /// The partition pauses until `until` (a retry's backoff or the consumer's pause); nothing
    /// is read from it meanwhile. `retry` tells a backoff after a failure from a requested
    /// pause.
    fn pause(&self, until: Instant, retry: Option<&Retry>);

    /// The pause ended (or was cut short by a revocation).
    fn resume(&self);
}

/// A failed job about to be retried, as the partition's pause reports it.
#[derive(Debug, Clone)]
pub(crate) struct Retry {
    /// The offset the retry starts at.
    pub(crate) offset: i64,
    /// The attempt that failed (1 for the first run).
    pub(crate) attempt: u32,
    /// The error, as displayed.
    pub(crate) error: String,
}

/// The partitions of one subscription group's connection.
pub(crate) trait Backend: Send + Sync + 'static {
    /// A partition's source.
    type Source: PartitionSource;

    /// Why a commit failed.
    type Error: Display;

    /// The source of a newly assigned partition, `None` when the connection has none for it.
    fn source(&self, origin: Arc<Origin>) -> Option<Self::Source>;

    /// Commits every offset stored since the last commit and waits for the answer. Blocks.
    ///
    /// # Errors
    /// When the commit was refused or timed out.
    fn commit_stored(&self) -> Result<(), Self::Error>;
}

/// Why partitions are taken away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Revocation {
    /// A rebalance: their running jobs may finish first, then their marks are committed.
    Graceful,
    /// The group already gave them to another member: commits would be refused.
    Lost,
    /// This member leaves because a job outran `max.poll.interval.ms`: nothing waits for it.
    Evicted,
}
