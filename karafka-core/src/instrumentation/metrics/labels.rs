//! The label sets of the metrics: a subscription group, its topics and partitions, what failed,
//! what a rebalance did.

use prometheus_client::encoding::EncodeLabelSet;

use crate::instrumentation::ErrorKind;
use crate::TopicPartition;

/// A subscription group (`group`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub(super) struct GroupLabels {
    pub(super) group: String,
}

impl GroupLabels {
    pub(super) fn new(group: &str) -> Self {
        Self {
            group: group.to_owned(),
        }
    }
}

/// A topic a subscription group consumes (`group`, `topic`): what histograms are labelled by, so
/// their bucket series grow with topics, not partitions.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub(super) struct TopicLabels {
    pub(super) group: String,
    pub(super) topic: String,
}

/// A partition a subscription group holds (`group`, `topic`, `partition`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub(super) struct PartitionLabels {
    pub(super) group: String,
    pub(super) topic: String,
    pub(super) partition: i32,
}

impl PartitionLabels {
    pub(super) fn new(group: &str, partition: &TopicPartition) -> Self {
        Self {
            group: group.to_owned(),
            topic: partition.topic.clone(),
            partition: partition.partition,
        }
    }

    /// The labels of the partition's topic.
    pub(super) fn topic(&self) -> TopicLabels {
        TopicLabels {
            group: self.group.clone(),
            topic: self.topic.clone(),
        }
    }
}

/// What failed, and in which subscription group (`group`, `kind`); the group is empty when the
/// failure names no partition the metrics know an owner of.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub(super) struct ErrorLabels {
    pub(super) group: String,
    pub(super) kind: &'static str,
}

/// What a rebalance did to a subscription group (`group`, `kind`: `assigned`, `revoked` or `lost`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub(super) struct RebalanceLabels {
    pub(super) group: String,
    pub(super) kind: &'static str,
}

/// The `kind` label of an error: the snake_case name of its [`ErrorKind`].
pub(super) fn error_kind(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::Consume => "consume",
        ErrorKind::Decode => "decode",
        ErrorKind::Panic => "panic",
        ErrorKind::Commit => "commit",
        ErrorKind::DeadLetterWrite => "dead_letter_write",
        ErrorKind::MaxPollIntervalExceeded => "max_poll_interval_exceeded",
        ErrorKind::Librdkafka => "librdkafka",
        ErrorKind::Listener => "listener",
        ErrorKind::Tick => "tick",
        ErrorKind::Eofed => "eofed",
        ErrorKind::Critical => "critical",
    }
}
