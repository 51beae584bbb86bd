//! Errors of admin requests.

use rdkafka::error::KafkaError;
use rdkafka::types::RDKafkaErrorCode;

/// An admin request that failed.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// The admin clients could not be created.
    #[error("the admin client could not be created: {0}")]
    Create(String),
    /// The brokers did not answer.
    #[error("cannot reach the brokers at {servers}: {error}")]
    Unreachable {
        /// `bootstrap.servers`.
        servers: String,
        /// librdkafka's error.
        error: KafkaError,
    },
    /// The request failed as a whole.
    #[error("the admin request failed: {error}")]
    Request {
        /// librdkafka's error.
        error: KafkaError,
    },
    /// The cluster refused the request for a topic.
    #[error("topic `{topic}`: {code}")]
    Topic {
        /// The topic.
        topic: String,
        /// The broker's reason.
        code: RDKafkaErrorCode,
    },
    /// The topic does not exist.
    #[error("topic `{topic}` does not exist")]
    UnknownTopic {
        /// The topic.
        topic: String,
    },
    /// Kafka cannot reduce a topic's partitions.
    #[error("topic `{topic}` has {current} partitions and cannot shrink to {declared}; Kafka only adds partitions")]
    PartitionDecrease {
        /// The topic.
        topic: String,
        /// Partitions in the cluster.
        current: i32,
        /// Partitions declared.
        declared: i32,
    },
    /// Offsets of a group with members cannot be moved.
    #[error("consumer group `{group}` has {members} active member(s); stop them before seeking")]
    ActiveMembers {
        /// The group.
        group: String,
        /// How many members it has.
        members: usize,
    },
    /// A seek target that is not an offset, time, `earliest` or `latest`.
    #[error(
        "`{value}` is not a seek target: use an offset, an RFC 3339 time, `earliest` or `latest`"
    )]
    InvalidTarget {
        /// What was given.
        value: String,
    },
}

impl AdminError {
    pub(crate) fn request(error: KafkaError) -> Self {
        Self::Request { error }
    }
}
