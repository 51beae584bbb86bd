//! Producing into the in-memory cluster of a test.

use std::hash::{DefaultHasher, Hash, Hasher};

use rdkafka::error::KafkaError;
use rdkafka::types::RDKafkaErrorCode;

use super::{Delivery, ProduceError, Record};
use crate::memory::{Cluster, StoredRecord};

/// Appends `record` to `cluster`: to its partition, else by its key's hash (a stable hash, not
/// Kafka's murmur2), else to partition 0. A partition the topic lacks is refused as a broker
/// refuses it. `by_app` tells the app's records from the test's own.
pub(crate) fn produce(
    cluster: &Cluster,
    record: Record,
    by_app: bool,
) -> Result<Delivery, ProduceError> {
    let partitions = cluster.partition_count(&record.topic);
    let partition = match (record.partition, &record.key) {
        (Some(partition), _) => partition,
        (None, Some(key)) => {
            let mut hasher = DefaultHasher::new();
            key.hash(&mut hasher);
            let slot = hasher.finish() % u64::from(partitions.unsigned_abs().max(1));
            i32::try_from(slot).unwrap_or(0)
        }
        (None, None) => 0,
    };
    if !(0..partitions).contains(&partition) {
        return Err(ProduceError::Delivery {
            topic: record.topic,
            error: KafkaError::MessageProduction(RDKafkaErrorCode::UnknownPartition),
        });
    }
    let timestamp = record
        .timestamp
        .unwrap_or_else(|| cluster.clock().now_millis());
    let offset = cluster.append(
        &record.topic,
        partition,
        StoredRecord {
            key: record.key,
            payload: record.payload,
            headers: record.headers,
            timestamp,
            by_app,
        },
    );
    Ok(Delivery {
        topic: record.topic,
        partition,
        offset,
    })
}
