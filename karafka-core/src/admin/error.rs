//! Errors of admin requests.

use rdkafka::error::KafkaError;
use rdkafka::types::RDKafkaErrorCode;

use crate::config::Refusal;

/// An admin request that failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AdminError {
    /// The admin clients could not be created.
    #[error("the admin client could not be created: {0}")]
    Create(String),
    /// The OAuth token provider failed, or librdkafka refused its token.
    #[error("no OAuth token for the admin client: {0}")]
    OAuth(String),
    /// The brokers did not answer.
    #[error("cannot reach the brokers at {servers}: {error}")]
    Unreachable {
        /// `bootstrap.servers`.
        servers: String,
        /// librdkafka's error.
        error: KafkaError,
    },
    /// The brokers refused the admin client (credentials, SASL mechanism, TLS handshake), which
    /// retrying cannot cure.
    #[error("the brokers at {servers} refused the admin client: {refusal}")]
    Refused {
        /// `bootstrap.servers`.
        servers: String,
        /// What they refused.
        refusal: Refusal,
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
    /// Offsets of a group with members cannot be moved, copied or deleted: its members would
    /// overwrite them, and the broker refuses to delete a group that is not empty.
    #[error("consumer group `{group}` has {members} active member(s); stop them first")]
    ActiveMembers {
        /// The group.
        group: String,
        /// How many members it has.
        members: usize,
    },
    /// The consumer group does not exist on the cluster.
    #[error("consumer group `{group}` does not exist")]
    UnknownGroup {
        /// The group.
        group: String,
    },
    /// The cluster refused a request for a consumer group.
    #[error("consumer group `{group}`: {code}")]
    Group {
        /// The group.
        group: String,
        /// The broker's reason.
        code: RDKafkaErrorCode,
    },
    /// A copy or rename of a group that committed no offset on the topics asked for: there is
    /// nothing to carry over, most likely a mistyped group or topic.
    #[error(
        "consumer group `{group}` has no committed offsets on {}: nothing to copy",
        listed(.topics)
    )]
    NothingCommitted {
        /// The group copied from.
        group: String,
        /// The topics asked for.
        topics: Vec<String>,
    },
    /// A copy or rename of a group onto itself (a rename would delete the offsets it copied).
    #[error("consumer group `{group}` cannot be copied or renamed onto itself")]
    SameGroup {
        /// The group.
        group: String,
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

/// Topics as a message names them: `` `a`, `b` ``, or "no topic".
fn listed(topics: &[String]) -> String {
    if topics.is_empty() {
        return "no topic".to_owned();
    }
    topics
        .iter()
        .map(|topic| format!("`{topic}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl AdminError {
    pub(crate) fn request(error: KafkaError) -> Self {
        Self::Request { error }
    }
}
