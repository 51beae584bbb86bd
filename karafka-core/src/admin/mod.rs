//! Cluster administration: topics and their partitions and settings, watermarks, reading a range
//! of a topic, consumer-group lag, moving a group's offsets (replay or skip), and copying,
//! renaming and deleting consumer groups.

mod cluster;
mod context;
mod convert;
mod error;
mod groups;
mod oauth;
mod offsets;
mod plan;
mod read;
mod topics;

use std::sync::Arc;
use std::time::Duration;

use rdkafka::admin::{AdminClient, AdminOptions};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{BaseConsumer, Consumer as _};
use rdkafka::error::KafkaError;
use rdkafka::ClientConfig;

pub use crate::offsets::SeekTarget;
pub use cluster::{BrokerInfo, ClusterLayout, PartitionLayout, TopicLayout};
pub use error::AdminError;
pub use groups::{CommittedOffsets, GroupListing};
pub use offsets::PartitionLag;
pub use plan::{plan, ClusterTopic, TopicChange};

use crate::config::{admin_config, redact_kafka_error, Cluster, Config, KafkaSettings, OAuthHook};
use context::{AdminContext, MetadataConsumer};
use oauth::AdminOAuth;

/// How long an admin request waits for the cluster.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Runs admin requests against one cluster: the one of a [`Config`]'s `[kafka]`, or a route's
/// ([`Admin::for_cluster`]). Cheap to clone.
#[derive(Clone)]
pub struct Admin {
    admin: Arc<AdminClient<DefaultClientContext>>,
    /// A consumer outside any group, for metadata, watermarks and reads; it reads committed
    /// records only, so a partition's end is its last stable offset, as a consumer group sees it.
    metadata: Arc<MetadataConsumer>,
    base: ClientConfig,
    servers: String,
    /// With an OAuth token provider: the tokens this admin hands its clients.
    oauth: Option<Arc<AdminOAuth>>,
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
        Self::with_settings(config, &config.kafka)
    }

    /// Admin clients for `cluster` (e.g. [`App::cluster_of`](crate::App::cluster_of) a topic
    /// whose route consumes from another cluster): the settings of `config` with their connection
    /// settings replaced by the cluster's. Connects lazily.
    ///
    /// # Errors
    /// [`AdminError::Create`] when the settings are refused.
    pub fn for_cluster(config: &Config, cluster: &Cluster) -> Result<Self, AdminError> {
        Self::with_settings(config, &cluster.client_settings(&config.kafka))
    }

    /// Admin clients with `kafka` for settings, and `config`'s client id and OAuth provider.
    fn with_settings(config: &Config, kafka: &KafkaSettings) -> Result<Self, AdminError> {
        let base = admin_config(kafka, &config.client_id)
            .map_err(|error| AdminError::Create(error.to_string()))?;
        let create =
            |error: KafkaError| AdminError::Create(redact_kafka_error(error, &base).to_string());
        let oauth = AdminOAuth::new(OAuthHook::new(&config.oauth), &base).map(Arc::new);
        let admin = Arc::new(base.create().map_err(create)?);
        let metadata = Arc::new(
            read_committed(&base)
                .create_with_context(AdminContext::default())
                .map_err(create)?,
        );
        if let Some(oauth) = &oauth {
            oauth.keep_fresh(&admin, &metadata);
        }
        Ok(Self {
            admin,
            metadata,
            servers: base.get("bootstrap.servers").unwrap_or_default().to_owned(),
            base,
            oauth,
        })
    }

    /// The admin client, holding a fresh OAUTHBEARER token when there is a provider.
    async fn client(&self) -> Result<&AdminClient<DefaultClientContext>, AdminError> {
        self.authorize().await?;
        Ok(&self.admin)
    }

    /// With an OAuth token provider, makes sure the admin and metadata clients hold a token
    /// that is not due for a refresh.
    async fn authorize(&self) -> Result<(), AdminError> {
        if let Some(oauth) = &self.oauth {
            oauth.fresh().await?;
            oauth.authorize(self.admin.inner())?;
            oauth.authorize(self.metadata.client())?;
        }
        Ok(())
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
        let consumer: BaseConsumer = config
            .create()
            .map_err(|error| AdminError::Create(redact_kafka_error(error, &config).to_string()))?;
        if let Some(oauth) = &self.oauth {
            oauth.authorize(consumer.client())?;
        }
        Ok(consumer)
    }

    /// Runs a blocking librdkafka call off the async threads.
    async fn blocking<T: Send + 'static>(
        &self,
        call: impl FnOnce(&Admin) -> Result<T, AdminError> + Send + 'static,
    ) -> Result<T, AdminError> {
        self.authorize().await?;
        let admin = self.clone();
        // The task only fails if the call panicked; report it as a cancelled request.
        tokio::task::spawn_blocking(move || call(&admin))
            .await
            .unwrap_or(Err(AdminError::request(KafkaError::Canceled)))
    }

    /// Maps a failed metadata-style request to [`AdminError::Refused`] when the brokers refused
    /// the client, else to [`AdminError::Unreachable`].
    fn unreachable(&self, error: KafkaError) -> AdminError {
        match AdminContext::refusal(&self.metadata) {
            Some(refusal) => AdminError::Refused {
                servers: self.servers.clone(),
                refusal: refusal.redacted(&self.base),
            },
            None => AdminError::Unreachable {
                servers: self.servers.clone(),
                error,
            },
        }
    }
}
