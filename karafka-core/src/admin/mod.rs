//! Cluster administration: topics and their partitions and settings, watermarks, reading a range
//! of a topic, consumer-group lag, moving a group's offsets (replay or skip), and copying,
//! renaming and deleting consumer groups.

mod cluster;
mod convert;
mod error;
mod groups;
mod offsets;
mod plan;
mod read;
mod topics;

use std::sync::Arc;
use std::time::Duration;

use rdkafka::admin::{AdminClient, AdminOptions};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::BaseConsumer;
use rdkafka::error::KafkaError;
use rdkafka::ClientConfig;

pub use crate::offsets::SeekTarget;
pub use cluster::{BrokerInfo, ClusterLayout, PartitionLayout, TopicLayout};
pub use error::AdminError;
pub use groups::{CommittedOffsets, GroupListing};
pub use offsets::PartitionLag;
pub use plan::{plan, ClusterTopic, TopicChange};

use crate::config::{admin_config, redact_kafka_error, Config};

/// How long an admin request waits for the cluster.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Runs admin requests against the cluster of a [`Config`]. Cheap to clone.
#[derive(Clone)]
pub struct Admin {
    admin: Arc<AdminClient<DefaultClientContext>>,
    /// A consumer outside any group, for metadata, watermarks and reads; it reads committed
    /// records only, so a partition's end is its last stable offset, as a consumer group sees it.
    metadata: Arc<BaseConsumer>,
    base: ClientConfig,
    servers: String,
}

/// `base` for a consumer that reads only committed records, as the runtime's consumers do:
/// watermarks then end at the last stable offset, so an open transaction is no lag, and reads
/// skip aborted records.
fn read_committed(base: &ClientConfig) -> ClientConfig {
    let mut config = base.clone();
    config.set("isolation.level", "read_committed");
    config
}

impl Admin {
    /// Admin clients for the brokers of `config`. Connects lazily.
    ///
    /// # Errors
    /// [`AdminError::Create`] when the settings are refused.
    pub fn new(config: &Config) -> Result<Self, AdminError> {
        let base = admin_config(&config.kafka, &config.client_id)
            .map_err(|error| AdminError::Create(error.to_string()))?;
        let create =
            |error: KafkaError| AdminError::Create(redact_kafka_error(error, &base).to_string());
        Ok(Self {
            admin: Arc::new(base.create().map_err(create)?),
            metadata: Arc::new(read_committed(&base).create().map_err(create)?),
            servers: base.get("bootstrap.servers").unwrap_or_default().to_owned(),
            base,
        })
    }

    fn options() -> AdminOptions {
        AdminOptions::new()
            .request_timeout(Some(REQUEST_TIMEOUT))
            .operation_timeout(Some(REQUEST_TIMEOUT))
    }

    /// A consumer in `group` (not subscribed), to read and commit the group's offsets.
    fn group_consumer(&self, group: &str) -> Result<BaseConsumer, AdminError> {
        let mut config = read_committed(&self.base);
        config
            .set("group.id", group)
            .set("enable.auto.commit", "false");
        config
            .create()
            .map_err(|error| AdminError::Create(redact_kafka_error(error, &config).to_string()))
    }

    /// Runs a blocking librdkafka call off the async threads.
    async fn blocking<T: Send + 'static>(
        &self,
        call: impl FnOnce(&Admin) -> Result<T, AdminError> + Send + 'static,
    ) -> Result<T, AdminError> {
        let admin = self.clone();
        // The task only fails if the call panicked; report it as a cancelled request.
        tokio::task::spawn_blocking(move || call(&admin))
            .await
            .unwrap_or(Err(AdminError::request(KafkaError::Canceled)))
    }

    /// Maps a failed metadata-style request to [`AdminError::Unreachable`] when the brokers did
    /// not answer.
    fn unreachable(&self, error: KafkaError) -> AdminError {
        AdminError::Unreachable {
            servers: self.servers.clone(),
            error,
        }
    }
}
