//! Errors of producing.

use rdkafka::error::KafkaError;

use super::TransactionError;
use crate::config::ConfigError;
use crate::BoxError;

/// Why a record was not produced.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
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
    /// A layer of the producer's stack refused the record; nothing was produced.
    #[error("a producer layer refused the record for `{topic}`: {error}")]
    Rejected {
        /// The record's topic, as given to the producer.
        topic: String,
        /// The layer's error.
        error: BoxError,
    },
    /// The transaction a record of a transactional producer was produced in did not commit.
    #[error("the transaction producing to `{topic}` did not commit: {error}")]
    Transaction {
        /// The record's topic.
        topic: String,
        /// Why (boxed: it is rare, and would make every `ProduceError` larger).
        #[source]
        error: Box<TransactionError>,
    },
}

impl ProduceError {
    /// The topic of the record this error is about; `None` for the errors of the producer
    /// itself (its settings, creating it, flushing it).
    pub fn topic(&self) -> Option<&str> {
        match self {
            Self::Encode { topic, .. }
            | Self::Delivery { topic, .. }
            | Self::QueueFull { topic, .. }
            | Self::Canceled { topic }
            | Self::Rejected { topic, .. }
            | Self::Transaction { topic, .. } => Some(topic),
            Self::Config(_) | Self::Create(_) | Self::Flush(_) => None,
        }
    }

    /// The error of a producer stack that was given a record for `topic`: a [`ProduceError`] of
    /// the layers below (e.g. a full queue) stays what it is, anything else is a layer's refusal.
    pub(crate) fn from_stack(topic: String, error: BoxError) -> Self {
        match error.downcast::<Self>() {
            Ok(error) => *error,
            Err(error) => Self::Rejected { topic, error },
        }
    }
}

/// A record of [`Producer::produce_many_async`](super::Producer::produce_many_async) that was
/// not enqueued (the others were).
#[derive(Debug, thiserror::Error)]
#[error("record {index} of the batch was not enqueued: {error}")]
#[non_exhaustive]
pub struct NotEnqueued {
    /// The record's position in the batch, from 0.
    pub index: usize,
    /// Why it was not enqueued; it names the record's topic.
    #[source]
    pub error: ProduceError,
}

impl NotEnqueued {
    /// The record's topic.
    pub fn topic(&self) -> &str {
        // Every error of enqueueing a record names its topic.
        self.error.topic().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use rdkafka::types::RDKafkaErrorCode;

    use super::*;

    #[test]
    fn a_produce_error_from_below_a_layer_stays_itself() {
        let below = ProduceError::QueueFull {
            topic: "orders".into(),
            waited_ms: 10_000,
        };
        let error = ProduceError::from_stack("orders".into(), below.into());
        assert!(
            matches!(
                error,
                ProduceError::QueueFull {
                    waited_ms: 10_000,
                    ..
                }
            ),
            "{error:?}"
        );
        let below = ProduceError::Delivery {
            topic: "orders".into(),
            error: KafkaError::MessageProduction(RDKafkaErrorCode::MessageSizeTooLarge),
        };
        let error = ProduceError::from_stack("orders".into(), below.into());
        assert!(matches!(error, ProduceError::Delivery { .. }), "{error:?}");
    }

    #[test]
    fn a_layers_own_error_is_a_rejection_naming_the_topic() {
        let error = ProduceError::from_stack("orders".into(), "no PII here".into());
        assert!(matches!(error, ProduceError::Rejected { .. }), "{error:?}");
        assert_eq!(error.topic(), Some("orders"));
        assert_eq!(
            error.to_string(),
            "a producer layer refused the record for `orders`: no PII here"
        );
    }
}
