//! Producing from app code and from consumers: [`Producer::produce_sync`],
//! [`Producer::produce_async`], [`Producer::produce_many_sync`] and
//! [`Producer::produce_many_async`].
//!
//! Durable by default (`acks = "all"`, idempotence on); override in `[producer.kafka]`.
//!
//! Everything a producer sends can go through tower layers ([`Producer::layer`], or
//! [`AppBuilder::producer_layer`](crate::AppBuilder::producer_layer) for the app's producer,
//! which consumers and dead-letter dispatches use too): to add headers, or to refuse records.

mod backend;
mod delivery;
mod error;
pub(crate) mod memory;
mod middleware;
mod record;
mod stack;

use std::sync::Arc;
use std::time::Duration;

use rdkafka::client::ClientContext;
use rdkafka::config::RDKafkaLogLevel;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::producer::Producer as _;

pub use delivery::{Delivery, DeliveryHandle};
pub use error::{NotEnqueued, ProduceError};
pub use middleware::{map_record, MapRecord, MapRecordLayer};
pub use record::Record;
pub use stack::{ProducerLayer, ProducerStack};

use crate::config::{producer_config, redact_kafka_error, Config};
use backend::Backend;
use stack::Layered;

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
    /// The layers records go through; `None` enqueues them directly (no boxing per record).
    layered: Option<Arc<Layered>>,
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
            layered: None,
        })
    }

    /// A producer that appends to `cluster` and acknowledges at once.
    pub(crate) fn in_memory(cluster: Arc<crate::memory::Cluster>) -> Self {
        Self {
            inner: Backend::Memory(cluster),
            layered: None,
        }
    }

    /// This producer's layers over `cluster`: what the app's producer does, in a test.
    pub(crate) fn layers_in_memory(&self, cluster: Arc<crate::memory::Cluster>) -> Self {
        let mut producer = Self::in_memory(cluster);
        producer.layered = self
            .layered
            .as_ref()
            .map(|layered| Arc::new(layered.rebuilt(&producer.inner)));
        producer
    }

    /// Sends every record through `layer` before it is enqueued; the last layer added sees a
    /// record first. Clones made before keep their layers.
    ///
    /// ```
    /// use karafka::producer::{map_record, Producer, Record};
    ///
    /// # fn build(config: &karafka::Config) -> Result<(), karafka::producer::ProduceError> {
    /// let producer = Producer::new(config)?
    ///     .layer(map_record(|record: Record| Ok(record.header("service", "billing"))));
    /// # let _ = producer; Ok(()) }
    /// ```
    pub fn layer(self, layer: impl ProducerLayer) -> Self {
        self.layer_shared(Arc::new(layer))
    }

    /// [`Producer::layer`] of a layer the app's builder holds.
    pub(crate) fn layer_shared(mut self, layer: Arc<dyn ProducerLayer>) -> Self {
        let layered = match &self.layered {
            Some(layered) => layered.with(&self.inner, layer),
            None => Layered::new(&self.inner, vec![layer]),
        };
        self.layered = Some(Arc::new(layered));
        self
    }

    /// Produces `record` and waits until the broker acknowledged it.
    ///
    /// # Errors
    /// [`ProduceError::Delivery`] when the broker refused it or it timed out
    /// (`message.timeout.ms`), [`ProduceError::QueueFull`] when it could not be enqueued,
    /// [`ProduceError::Rejected`] when a layer refused it.
    pub async fn produce_sync(&self, record: Record) -> Result<Delivery, ProduceError> {
        self.produce_async(record).await?.await
    }

    /// Enqueues `record` (waiting only while librdkafka's local queue is full) and returns a
    /// handle that resolves once the broker acknowledged it. With the `opentelemetry` feature the
    /// record gets the current span's trace context as headers, unless it carries one already.
    ///
    /// # Errors
    /// [`ProduceError::QueueFull`] when the queue stayed full, [`ProduceError::Delivery`] when
    /// librdkafka refused the record outright (e.g. too large, unknown partition),
    /// [`ProduceError::Rejected`] when a layer refused it.
    pub async fn produce_async(&self, record: Record) -> Result<DeliveryHandle, ProduceError> {
        #[cfg(feature = "opentelemetry")]
        let record = record.traced();
        match &self.layered {
            None => self.inner.enqueue(record).await,
            Some(layered) => layered.enqueue(record).await,
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

    /// Enqueues every record, in order, without waiting for acknowledgements, and returns one
    /// entry per record, at its index: the handle to await its acknowledgement, or why it was
    /// not enqueued ([`NotEnqueued`] names its index and topic). A record that fails does not
    /// stop the others.
    ///
    /// Records to one partition (the same key, or the same explicit partition) are stored in
    /// the order given, as with [`Producer::produce_async`] called in a loop: the default
    /// `enable.idempotence = true` keeps that order across retries. A record that was not
    /// enqueued leaves a gap there. Each record waits, as [`Producer::produce_async`] does,
    /// only while librdkafka's local queue is full. Keep the producer (or a clone) until the
    /// handles resolve: dropping its last clone purges what is still queued.
    ///
    /// ```
    /// use karafka::producer::{Producer, Record};
    ///
    /// # async fn run(producer: Producer) {
    /// let records = (0..3).map(|i| Record::new("events", i.to_string()).key("device-1"));
    /// for enqueued in producer.produce_many_async(records).await {
    ///     match enqueued {
    ///         Ok(handle) => drop(handle), // delivered in the background
    ///         Err(failed) => eprintln!("record {} for {}: {}", failed.index, failed.topic(), failed.error),
    ///     }
    /// }
    /// # }
    /// ```
    pub async fn produce_many_async(
        &self,
        records: impl IntoIterator<Item = Record>,
    ) -> Vec<Result<DeliveryHandle, NotEnqueued>> {
        let records = records.into_iter();
        let mut enqueued = Vec::with_capacity(records.size_hint().0);
        for (index, record) in records.enumerate() {
            enqueued.push(
                self.produce_async(record)
                    .await
                    .map_err(|error| NotEnqueued { index, error }),
            );
        }
        enqueued
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

#[cfg(test)]
mod tests;
