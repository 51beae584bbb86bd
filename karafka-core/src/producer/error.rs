//! Errors of producing.

use rdkafka::error::KafkaError;

use crate::config::ConfigError;

/// Why a record was not produced.
#[derive(Debug, thiserror::Error)]
pub enum ProduceError {
    /// The producer's settings are invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// librdkafka could not create the producer.
    #[error("the producer could not be created: {0}")]
    Create(KafkaError),
    /// The record could not be encoded.
    #[error("the record for `{topic}` could not be encoded: {error}")]
    Encode {
        /// The record's topic.
        topic: String,
        /// The encoder's error.
        error: serde_json::Error,
    },
    /// The broker did not acknowledge the record.
    #[error("producing to `{topic}` failed: {error}")]
    Delivery {
        /// The record's topic.
        topic: String,
        /// librdkafka's error.
        error: KafkaError,
    },
    /// The producer's local queue stayed full; the record was not enqueued.
    #[error("the producer's queue stayed full for {waited_ms} ms; the record for `{topic}` was not enqueued")]
    QueueFull {
        /// The record's topic.
        topic: String,
        /// How long enqueueing was retried.
        waited_ms: u64,
    },
    /// The producer went away before reporting the delivery.
    #[error("the delivery report for `{topic}` was lost: the producer was dropped")]
    Canceled {
        /// The record's topic.
        topic: String,
    },
    /// Records were still undelivered when flushing gave up.
    #[error("flushing the producer failed: {0}")]
    Flush(KafkaError),
}
