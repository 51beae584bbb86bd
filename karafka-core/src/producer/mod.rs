//! Producing from app code and from consumers: [`Producer::produce_sync`],
//! [`Producer::produce_async`] and [`Producer::produce_many_sync`].
//!
//! Durable by default (`acks = "all"`, idempotence on); override in `[producer.kafka]`.

mod delivery;
mod error;
pub(crate) mod memory;
mod record;

use std::sync::Arc;
use std::time::{Duration, Instant};

use rdkafka::client::ClientContext;
use rdkafka::config::RDKafkaLogLevel;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{FutureProducer, FutureRecord, Producer as _};

pub use delivery::{Delivery, DeliveryHandle};
pub use error::ProduceError;
pub use record::Record;

use crate::config::{producer_config, redact_kafka_error, Config};

/// How long enqueueing retries while librdkafka's local queue is full.
const QUEUE_FULL_WAIT: Duration = Duration::from_secs(10);
/// Pause between those retries; librdkafka drains its queue meanwhile.
const QUEUE_FULL_RETRY: Duration = Duration::from_millis(10);
/// How long a metadata request waits for the cluster.
const METADATA_TIMEOUT: Duration = Duration::from_secs(10);

/// Routes the producer's librdkafka logs into `tracing`.
pub(crate) struct ProducerContext;

impl ClientContext for ProducerContext {
    fn log(&self, level: RDKafkaLogLevel, facility: &str, message: &str) {
        crate::instrumentation::librdkafka_log("producer", level, facility, message);
    }

    fn error(&self, error: KafkaError, reason: &str) {
        crate::instrumentation::librdkafka_error("producer", &error, reason);
    }
}

/// A Kafka producer, cheap to clone and safe to share.
#[derive(Clone)]
pub struct Producer {
    inner: Backend,
}

/// Where records go.
#[derive(Clone)]
enum Backend {
    Kafka(Arc<FutureProducer<ProducerContext>>),
    /// The in-memory cluster of a test ([`crate::testing`]).
    Memory(Arc<crate::memory::Cluster>),
}

impl std::fmt::Debug for Producer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Producer").finish_non_exhaustive()
    }
}

impl Producer {
    /// A producer with the settings of `config` (the shared `kafka` map without consumer-only
    /// properties, then `[producer.kafka]`).
    ///
    /// # Errors
    /// [`ProduceError::Config`] for invalid settings, [`ProduceError::Create`] when librdkafka
    /// refuses to create the client.
    pub fn new(config: &Config) -> Result<Self, ProduceError> {
        let client_config =
            producer_config(&config.kafka, &config.producer.kafka, &config.client_id)?;
        let inner = client_config
            .create_with_context(ProducerContext)
            .map_err(|error| ProduceError::Create(redact_kafka_error(error, &client_config)))?;
        Ok(Self {
            inner: Backend::Kafka(Arc::new(inner)),
        })
    }

    /// A producer that appends to `cluster` and acknowledges at once.
    pub(crate) fn in_memory(cluster: Arc<crate::memory::Cluster>) -> Self {
        Self {
            inner: Backend::Memory(cluster),
        }
    }

    /// Produces `record` and waits until the broker acknowledged it.
    ///
    /// # Errors
    /// [`ProduceError::Delivery`] when the broker refused it or it timed out
    /// (`message.timeout.ms`), [`ProduceError::QueueFull`] when it could not be enqueued.
    pub async fn produce_sync(&self, record: Record) -> Result<Delivery, ProduceError> {
        self.produce_async(record).await?.await
    }

    /// Enqueues `record` (waiting only while librdkafka's local queue is full) and returns a
    /// handle that resolves once the broker acknowledged it. With the `opentelemetry` feature the
    /// record gets the current span's trace context as headers, unless it carries one already.
    ///
    /// # Errors
    /// [`ProduceError::QueueFull`] when the queue stayed full, [`ProduceError::Delivery`] when
    /// librdkafka refused the record outright (e.g. unknown partition).
    pub async fn produce_async(&self, record: Record) -> Result<DeliveryHandle, ProduceError> {
        #[cfg(feature = "opentelemetry")]
        let record = record.traced();
        let inner = match &self.inner {
            Backend::Kafka(inner) => inner,
            Backend::Memory(cluster) => {
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

    /// Produces every record and waits for all acknowledgements. Records are enqueued in order,
    /// so records with one key keep their order.
    ///
    /// # Errors
    /// The first failure; records enqueued before it are still delivered.
    pub async fn produce_many_sync(
        &self,
        records: impl IntoIterator<Item = Record>,
    ) -> Result<Vec<Delivery>, ProduceError> {
        let mut handles = Vec::new();
        for record in records {
            handles.push(self.produce_async(record).await?);
        }
        let mut deliveries = Vec::with_capacity(handles.len());
        let mut first_error = None;
        for handle in handles {
            match handle.await {
                Ok(delivery) => deliveries.push(delivery),
                Err(error) => {
                    first_error.get_or_insert(error);
                }
            }
        }
        match first_error {
            Some(error) => Err(error),
            None => Ok(deliveries),
        }
    }

    /// The number of partitions of `topic`, from the cluster's metadata.
    ///
    /// # Errors
    /// [`ProduceError::Delivery`] when the metadata cannot be read or the topic does not exist.
    pub async fn partition_count(&self, topic: &str) -> Result<i32, ProduceError> {
        let inner = match &self.inner {
            Backend::Kafka(inner) => Arc::clone(inner),
            Backend::Memory(cluster) => return Ok(cluster.partition_count(topic)),
        };
        let name = topic.to_owned();
        let failed = |error| ProduceError::Delivery {
            topic: topic.to_owned(),
            error,
        };
        let metadata = tokio::task::spawn_blocking(move || {
            inner.client().fetch_metadata(Some(&name), METADATA_TIMEOUT)
        })
        .await
        .unwrap_or(Err(KafkaError::Canceled))
        .map_err(failed)?;
        match metadata.topics().first() {
            Some(found) if found.error().is_none() && !found.partitions().is_empty() => {
                Ok(found.partitions().len() as i32)
            }
            _ => Err(failed(KafkaError::MetadataFetch(
                RDKafkaErrorCode::UnknownTopicOrPartition,
            ))),
        }
    }

    /// Waits up to `timeout` until every enqueued record was delivered.
    ///
    /// # Errors
    /// [`ProduceError::Flush`] when records remain after `timeout`.
    pub async fn flush(&self, timeout: Duration) -> Result<(), ProduceError> {
        let inner = match &self.inner {
            Backend::Kafka(inner) => Arc::clone(inner),
            Backend::Memory(_) => return Ok(()),
        };
        tokio::task::spawn_blocking(move || inner.flush(timeout))
            .await
            .unwrap_or(Err(KafkaError::Canceled))
            .map_err(ProduceError::Flush)
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
