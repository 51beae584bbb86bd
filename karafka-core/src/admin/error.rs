//! Errors of admin requests.

use rdkafka::error::KafkaError;
use rdkafka::types::RDKafkaErrorCode;

/// An admin request that failed.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// The admin client could not be created.
    #[error("the admin client could not be created: {0}")]
    Create(String),
    /// The request did not reach the cluster or timed out.
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
}
