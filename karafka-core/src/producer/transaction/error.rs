//! Errors of transactions.

use rdkafka::error::KafkaError;

/// Why a transaction did not commit. The body's own error is returned as it is; this is what
/// the transaction itself reports, and the body's error type takes it through `From`
/// (`anyhow::Error` does).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransactionError {
    /// The producer is not transactional.
    #[error(
        "the producer is not transactional: set `producer.kafka.\"transactional.id\"` (unique \
         per process) to use transactions"
    )]
    NotTransactional,
    /// librdkafka refused to set the producer up for transactions (`init_transactions`).
    #[error("the transactional producer `{transactional_id}` could not be initialised: {error}")]
    Init {
        /// The producer's `transactional.id`.
        transactional_id: String,
        /// librdkafka's error.
        error: KafkaError,
    },
    /// The transaction was aborted: nothing it produced is visible to `read_committed`
    /// consumers, no offset it carried is committed. The producer stays usable.
    #[error("the transaction was aborted ({operation} failed): {error}")]
    Aborted {
        /// The call that failed: `begin`, `send_offsets` or `commit`.
        operation: &'static str,
        /// librdkafka's error.
        error: KafkaError,
    },
    /// The producer can do nothing more, e.g. another producer with its `transactional.id`
    /// fenced it. The transaction did not commit; the producer is rebuilt before the next one.
    #[error("the transactional producer failed fatally during {operation}: {error}")]
    Fatal {
        /// The call that failed.
        operation: &'static str,
        /// librdkafka's error.
        error: KafkaError,
    },
    /// The commit timed out and its outcome is unknown; the producer is rebuilt before the next
    /// transaction, which settles it (librdkafka lacks KIP-890's broker-side fix, so the old
    /// producer could otherwise add to a transaction thought finished).
    #[error("the outcome of the transaction is unknown ({operation} timed out): {error}")]
    Indefinite {
        /// The call that timed out.
        operation: &'static str,
        /// librdkafka's error.
        error: KafkaError,
    },
    /// librdkafka did not return from a transaction call long after its timeout (seen in
    /// `send_offsets_to_transaction` after a long broker outage). The producer is abandoned and
    /// rebuilt before the next transaction, which fences it: a transaction it left open is
    /// aborted. Stuck in `commit`, the outcome is settled as after [`Self::Indefinite`].
    #[error(
        "the transactional producer is stuck: librdkafka did not return from {operation} within \
         {waited_ms} ms; it is rebuilt before the next transaction"
    )]
    Stuck {
        /// The call that did not return.
        operation: &'static str,
        /// How long it was waited for.
        waited_ms: u64,
    },
    /// A transaction was begun in the body of another of the same producer, which would wait
    /// for its own end: produce in the outer one instead (records produced in its body join it).
    #[error(
        "a transaction cannot begin inside another of the same producer: produce in the outer \
         one (records produced in its body join it)"
    )]
    Nested,
    /// The partition whose messages the transaction marked was taken away from this process
    /// before the commit; the transaction was aborted and the next owner consumes them.
    #[error(
        "the transaction was aborted: partition {partition} of `{topic}` was revoked from this \
         process"
    )]
    Revoked {
        /// The topic.
        topic: String,
        /// The partition.
        partition: i32,
    },
    /// A transaction that marks messages runs inside one job of one partition; under virtual
    /// partitions only the partition's job as a whole knows what may be committed.
    #[error(
        "transactions that mark messages are not supported under virtual partitions (topic \
         `{topic}`): produce in the transaction and let the batch be marked"
    )]
    VirtualPartitions {
        /// The topic.
        topic: String,
    },
}
