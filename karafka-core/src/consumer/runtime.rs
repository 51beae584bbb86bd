//! The narrow interface through which a [`Context`](super::Context) reaches the runtime: the
//! partition its batch came from, and the topic's dead-letter queue. The runtime implements them
//! (`processing`'s assignment, the dead-letter layer), so this module knows none of their
//! internals.

use std::time::{Duration, SystemTime};

use futures_util::future::BoxFuture;
use rdkafka::consumer::ConsumerGroupMetadata;

use super::DispatchError;
use crate::instrumentation::statistics::PartitionStatistics;
use crate::messages::Message;
use crate::offsets::SeekTarget;
use crate::producer::{Delivery, Producer};

/// What a consumer asked to happen to its partition once its job (or tick) returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Control {
    /// Resume from `offset` after `timeout`, or once resumed when `None`.
    Pause {
        offset: i64,
        timeout: Option<Duration>,
    },
    /// Go on from `to` at once.
    Seek { to: SeekTarget },
    /// End the partition's pause (asked from a tick while paused).
    Resume,
}

/// One assignment of a partition, as a consume job sees it.
pub(crate) trait PartitionHandle: Send + Sync {
    /// The topic.
    fn topic(&self) -> &str;

    /// The partition.
    fn partition(&self) -> i32;

    /// Marks everything up to `offset` as handled. `false` once the partition is no longer owned.
    fn mark(&self, offset: i64) -> bool;

    /// The first offset not marked in this assignment, if anything was marked.
    fn next_unmarked(&self) -> Option<i64>;

    /// The partition was taken away.
    fn is_revoked(&self) -> bool;

    /// Commits up to `offset` (inclusive) and waits for the broker. Blocks.
    fn commit_sync(&self, offset: i64) -> bool;

    /// Stores what was marked, then commits every stored offset of the partition's connection
    /// and waits for the broker. Blocks. `false` once the partition is no longer owned or the
    /// commit failed.
    fn commit_stored(&self) -> bool;

    /// Stores `metadata` with this offset and every later one of the assignment.
    fn set_metadata(&self, metadata: &str);

    /// The offset metadata of the partition: the latest set in this assignment, else what was
    /// committed before it (asked once, then kept). Blocks: may ask the broker. The error says
    /// why the broker did not answer.
    fn metadata(&self) -> Result<Option<String>, String>;

    /// Marks everything up to `offset` as handled, the offset being committed already (by a
    /// transaction): the consumer never commits it itself, so an interval commit in flight
    /// cannot take the group back behind it. `false` once the partition is no longer owned.
    fn mark_committed(&self, offset: i64) -> bool;

    /// The offset committed for the partition (the next to consume), if any. Blocks: asks the
    /// broker. The error says why it did not answer.
    fn committed_offset(&self) -> Result<Option<i64>, String>;

    /// The consumer group's metadata a transaction sends offsets with; `None` in memory.
    fn group_metadata(&self) -> Option<ConsumerGroupMetadata>;

    /// Records what the consumer asked for (`None` cancels an earlier request).
    fn request(&self, control: Option<Control>);

    /// Whether a pause or seek is pending.
    fn has_request(&self) -> bool;

    /// The wall clock of the partition's backend (a test's is virtual).
    fn now(&self) -> SystemTime;

    /// The partition's latest figures, if any were reported.
    fn insights(&self) -> Option<PartitionStatistics>;
}

/// Where [`Context::dispatch_to_dlq`](super::Context::dispatch_to_dlq) sends a message: the
/// route's dead-letter queue.
pub(crate) trait DeadLetterSink: Send + Sync {
    /// Writes `message` to the dead-letter topic and waits for the acknowledgement: where it
    /// landed, or `None` when the queue skips messages instead.
    fn send<'a>(
        &'a self,
        producer: &'a Producer,
        message: &'a Message,
        attempts: u32,
        reason: &'a str,
    ) -> BoxFuture<'a, Result<Option<Delivery>, DispatchError>>;
}

/// Translates marks before they reach the partition: virtual partitions store only what every
/// one of them handled.
pub(crate) trait MarkFilter: Send + Sync {
    /// Records that the messages of this context up to `offset` are handled; the offset to mark
    /// on the partition, when the handled prefix moved.
    fn mark(&self, offset: i64) -> Option<i64>;

    /// The job runs collapsed: one consumer, partition order, after a failure.
    fn collapsed(&self) -> bool;
}
