//! Where records go: librdkafka, or the in-memory cluster of a test.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{FutureProducer, FutureRecord};

use super::transaction::Transactional;
use super::{memory, DeliveryHandle, ProduceError, ProducerContext, Record};

/// How long enqueueing retries while librdkafka's local queue is full.
const QUEUE_FULL_WAIT: Duration = Duration::from_secs(10);
/// Pause between those retries; librdkafka drains its queue meanwhile.
const QUEUE_FULL_RETRY: Duration = Duration::from_millis(10);

/// Where records go.
#[derive(Clone)]
pub(crate) enum Backend {
    Kafka(Arc<FutureProducer<ProducerContext>>),
    /// A producer with a `transactional.id`, whose librdkafka producer a rebuild may replace.
    Transactional(Arc<Transactional>),
    /// The in-memory cluster of a test ([`crate::testing`]).
    Memory(Arc<crate::memory::Cluster>),
}

impl Backend {
    /// The librdkafka producer records go to now; `None` in memory.
    pub(crate) fn kafka(&self) -> Option<Arc<FutureProducer<ProducerContext>>> {
        match self {
            Self::Kafka(inner) => Some(Arc::clone(inner)),
            Self::Transactional(state) => Some(state.current()),
            Self::Memory(_) => None,
        }
    }

    /// Enqueues `record`, waiting only while librdkafka's local queue is full.
    pub(crate) async fn enqueue(&self, record: Record) -> Result<DeliveryHandle, ProduceError> {
        let inner = match self {
            Self::Kafka(inner) => Arc::clone(inner),
            Self::Transactional(state) => state.current(),
            Self::Memory(cluster) => {
                return memory::produce(cluster, record, true).map(DeliveryHandle::delivered)
            }
        };
        let started = Instant::now();
        loop {
            match inner.send_result(future_record(&record)) {
                Ok(future) => return Ok(DeliveryHandle::new(record.topic, future)),
                Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), _))
                    if started.elapsed() < QUEUE_FULL_WAIT =>
                {
                    tokio::time::sleep(QUEUE_FULL_RETRY).await;
                }
                Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), _)) => {
                    return Err(ProduceError::QueueFull {
                        topic: record.topic,
                        waited_ms: started.elapsed().as_millis() as u64,
                    })
                }
                Err((error, _)) => {
                    return Err(ProduceError::Delivery {
                        topic: record.topic,
                        error,
                    })
                }
            }
        }
    }
}

fn future_record(record: &Record) -> FutureRecord<'_, [u8], [u8]> {
    let mut future = FutureRecord::to(&record.topic);
    if let Some(payload) = &record.payload {
        future = future.payload(payload.as_slice());
    }
    if let Some(key) = &record.key {
        future = future.key(key.as_slice());
    }
    if let Some(partition) = record.partition {
        future = future.partition(partition);
    }
    if let Some(timestamp) = record.timestamp {
        future = future.timestamp(timestamp);
    }
    if !record.headers.is_empty() {
        let headers = record.headers.iter().fold(
            OwnedHeaders::new_with_capacity(record.headers.len()),
            |headers, (key, value)| {
                headers.insert(Header {
                    key,
                    value: value.as_deref(),
                })
            },
        );
        future = future.headers(headers);
    }
    future
}
