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
mod clusters;
mod delivery;
mod error;
pub(crate) mod memory;
mod middleware;
mod record;
mod schedule;
mod stack;
mod transaction;

use std::sync::Arc;
use std::time::Duration;

use rdkafka::client::ClientContext;
use rdkafka::config::RDKafkaLogLevel;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::producer::Producer as _;

pub(crate) use clusters::ClusterProducers;
pub use delivery::{Delivery, DeliveryHandle};
pub use error::{NotEnqueued, ProduceError};
pub use middleware::{map_record, MapRecord, MapRecordLayer};
pub use record::Record;
pub(crate) use schedule::envelope;
pub use schedule::{ScheduleError, ScheduleId, PAST_TOLERANCE};
pub use stack::{ProducerLayer, ProducerStack};
pub(crate) use transaction::{Bound, Outcome};
pub use transaction::{Transaction, TransactionError};

use crate::config::{
    producer_config, redact_kafka_error, Cluster, Config, KafkaSettings, OAuthHook, TokenResult,
};
use backend::Backend;
use stack::Layered;
use transaction::Transactional;

/// How long a metadata request waits for the cluster.
const METADATA_TIMEOUT: Duration = Duration::from_secs(10);

/// Routes the producer's librdkafka logs into `tracing`, and answers its OAUTHBEARER token
/// refreshes (its polling thread asks).
#[derive(Clone)]
pub(crate) struct ProducerContext {
    oauth: OAuthHook,
}

impl ClientContext for ProducerContext {
    const ENABLE_REFRESH_OAUTH_TOKEN: bool = true;

    fn generate_oauth_token(&self, _config: Option<&str>) -> TokenResult {
        self.oauth.generate()
    }

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
    /// Where [`Producer::schedule`] writes envelopes (`schedule/`).
    schedules: Option<Arc<str>>,
}

impl std::fmt::Debug for Producer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Producer").finish_non_exhaustive()
    }
}

impl Producer {
    /// A producer with the settings of `config` (the shared `kafka` map without consumer-only
    /// properties, then `[producer.kafka]`). With a `transactional.id` it is transactional (see
    /// [`Producer::transaction`]).
    ///
    /// # Errors
    /// [`ProduceError::Config`] for invalid settings, [`ProduceError::Create`] when librdkafka
    /// refuses to create the client.
    pub fn new(config: &Config) -> Result<Self, ProduceError> {
        Self::with_settings(config, &config.kafka, &config.producer.kafka)
    }

    /// A producer of `cluster`: the settings of `config` (the shared `kafka` map and
    /// `[producer.kafka]`) with their connection settings replaced by the cluster's. The app
    /// builds one per cluster its routes consume from; a consumer's
    /// [`Context::producer`](crate::Context::producer) and dead-letter dispatches use the one of
    /// its route's cluster.
    ///
    /// # Errors
    /// As [`Producer::new`].
    pub fn for_cluster(config: &Config, cluster: &Cluster) -> Result<Self, ProduceError> {
        Self::with_settings(
            config,
            &cluster.client_settings(&config.kafka),
            &cluster.client_settings(&config.producer.kafka),
        )
    }

    /// A producer with `kafka` then `overrides` for settings, and `config`'s client id and OAuth
    /// provider.
    fn with_settings(
        config: &Config,
        kafka: &KafkaSettings,
        overrides: &KafkaSettings,
    ) -> Result<Self, ProduceError> {
        let client_config = producer_config(kafka, overrides, &config.client_id)?;
        let created = |error| ProduceError::Create(redact_kafka_error(error, &client_config));
        let context = ProducerContext {
            oauth: OAuthHook::new(&config.oauth),
        };
        let inner = match client_config.get("transactional.id") {
            Some(id) => Backend::Transactional(Arc::new(
                Transactional::new(client_config.clone(), id.to_owned(), context)
                    .map_err(created)?,
            )),
            None => Backend::Kafka(Arc::new(
                client_config
                    .create_with_context(context)
                    .map_err(created)?,
            )),
        };
        Ok(Self {
            inner,
            layered: None,
            schedules: None,
        })
    }

    /// A producer that appends to `cluster` and acknowledges at once.
    pub(crate) fn in_memory(cluster: Arc<crate::memory::Cluster>) -> Self {
        Self {
            inner: Backend::Memory(cluster),
            layered: None,
            schedules: None,
        }
    }

    /// This producer's layers over `cluster`: what the app's producer does, in a test.
    pub(crate) fn layers_in_memory(&self, cluster: Arc<crate::memory::Cluster>) -> Self {
        let mut producer = Self::in_memory(cluster);
        producer.layered = self
            .layered
            .as_ref()
            .map(|layered| Arc::new(layered.rebuilt(&producer.inner)));
        producer.schedules = self.schedules.clone();
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
    ///
    /// On a transactional producer the record joins the transaction the current task runs in;
    /// outside one it is produced in a transaction of its own, and the handle is resolved once
    /// that committed.
    pub async fn produce_async(&self, record: Record) -> Result<DeliveryHandle, ProduceError> {
        if self.is_transactional() && !self.joins_open_transaction() {
            return self.produce_alone(record).await;
        }
        self.enqueue(record).await
    }

    /// Enqueues `record` through the layers, into the backend.
    pub(crate) async fn enqueue(&self, record: Record) -> Result<DeliveryHandle, ProduceError> {
        #[cfg(feature = "opentelemetry")]
        let record = record.traced();
        match &self.layered {
            None => self.inner.enqueue(record).await,
            Some(layered) => layered.enqueue(record).await,
        }
    }

    /// Produces `record` in a transaction of its own.
    async fn produce_alone(&self, record: Record) -> Result<DeliveryHandle, ProduceError> {
        /// Either failure of a record produced alone.
        enum Alone {
            Produce(ProduceError),
            Transaction(TransactionError),
        }
        impl From<TransactionError> for Alone {
            fn from(error: TransactionError) -> Self {
                Self::Transaction(error)
            }
        }
        let topic = record.topic.clone();
        let delivery = self
            .transaction(|tx| async move {
                match tx.produce(record).await {
                    Ok(handle) => handle.await.map_err(Alone::Produce),
                    Err(error) => Err(Alone::Produce(error)),
                }
            })
            .await;
        match delivery {
            Ok(delivery) => Ok(DeliveryHandle::delivered(delivery)),
            Err(Alone::Produce(error)) => Err(error),
            Err(Alone::Transaction(error)) => Err(ProduceError::Transaction {
                topic,
                error: Box::new(error),
            }),
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
            Backend::Transactional(state) => state.current(),
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
        let Some(inner) = self.inner.kafka() else {
            return Ok(());
        };
        tokio::task::spawn_blocking(move || inner.flush(timeout))
            .await
            .unwrap_or(Err(KafkaError::Canceled))
            .map_err(ProduceError::Flush)
    }
}

#[cfg(test)]
mod tests;
