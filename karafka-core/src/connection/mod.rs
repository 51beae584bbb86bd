//! Kafka I/O: the librdkafka consumer of one subscription group, the listener thread that polls
//! it, and the per-partition message streams the processing side reads from.
//!
//! Nothing here decides what happens to a message; rebalances are handed to a
//! [`RebalanceHandler`] (implemented by the processing side), so the two stay apart.

mod commit;
mod context;
mod convert;
mod give_up;
mod listener;
mod native;
mod partition_stream;
mod timeouts;

use std::sync::Arc;
use std::time::Duration;

use rdkafka::consumer::BaseConsumer;

use crate::{RunningJob, TopicPartition};

pub(crate) use commit::{commit, CommitTurn};
pub(crate) use context::ListenerContext;
pub(crate) use convert::to_message;
pub(crate) use give_up::{GiveUp, NotJoined};
pub(crate) use listener::Listener;
pub(crate) use partition_stream::PartitionStream;
pub(crate) use timeouts::GroupTimeouts;

/// The librdkafka consumer of one subscription group.
pub(crate) type KafkaConsumer = BaseConsumer<ListenerContext>;

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

/// What the processing side does when librdkafka changes the assignment. Both methods run on the
/// listener thread inside librdkafka's rebalance callback, so they must not wait on consume jobs.
pub(crate) trait RebalanceHandler: Send + Sync + 'static {
    /// `partitions` were assigned; librdkafka starts fetching them when this returns.
    fn assigned(&self, consumer: &Arc<KafkaConsumer>, partitions: Vec<TopicPartition>);

    /// `partitions` are being taken away; librdkafka stops fetching them when this returns.
    fn revoked(&self, consumer: &KafkaConsumer, partitions: Vec<TopicPartition>, how: Revocation);

    /// A job that is not long-running and has run longer than `limit` (`max.poll.interval.ms`).
    fn overdue(&self, limit: Duration) -> Option<RunningJob>;

    /// Hands the partitions' latest marks to librdkafka's offset store.
    fn store_offsets(&self);

    /// The listener is closing: store the latest marks, then drop every handle on the consumer so
    /// it can leave the group.
    fn release(&self);
}
