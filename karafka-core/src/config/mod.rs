//! Settings: Karafka's names and defaults, loaded with figment and validated before connecting.
//!
//! Sources, later ones winning: the defaults below, `karafka.toml`, then `KARAFKA_*` environment
//! variables (`KARAFKA_CONCURRENCY=10`, `KARAFKA_KAFKA__BOOTSTRAP_SERVERS=127.0.0.1:9092`).
//!
//! ```toml
//! client_id = "my_app"
//! group_id = "my_app"
//! concurrency = 5
//!
//! [kafka]
//! "bootstrap.servers" = "127.0.0.1:9092"
//! ```

mod address;
mod cluster;
mod error;
mod kafka;
mod load;
mod metrics;
pub(crate) mod millis;
mod oauth;
mod prefetch;
mod refusal;
mod secret;
mod secrets;
mod swarm;
mod validate;
mod web;

use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use bytesize::ByteSize;

pub use cluster::Cluster;
pub use error::ConfigError;
use kafka::kafka_key;
pub use kafka::KafkaSettings;
pub(crate) use kafka::{admin_config, check_with_librdkafka, consumer_config, producer_config};
use load::ENV_PREFIX;
pub use metrics::MetricsConfig;
pub use oauth::{OAuthConfig, OAuthToken, OAuthTokenProvider};
pub(crate) use oauth::{OAuthHook, TokenResult};
pub(crate) use prefetch::{refuse_derived, Prefetch};
pub use refusal::Refusal;
pub use secret::Secret;
#[cfg(test)]
pub(crate) use secrets::REDACTED;
pub(crate) use secrets::{redact_kafka_error, redact_text, shown};
pub use swarm::SwarmConfig;
pub use web::WebConfig;

/// Where a consumer group starts reading a partition that has no committed offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InitialOffset {
    /// From the oldest message still in the partition.
    #[default]
    Earliest,
    /// Only messages produced after the group joined.
    Latest,
}

impl InitialOffset {
    /// The matching librdkafka `auto.offset.reset` value.
    pub fn as_auto_offset_reset(self) -> &'static str {
        match self {
            Self::Earliest => "earliest",
            Self::Latest => "latest",
        }
    }
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum LogFormat {
    /// One line of text per event, for people; coloured only on a terminal without `NO_COLOR`.
    #[default]
    Text,
    /// One JSON object per event, its fields (topic, partition, offsets, elapsed_ms, error, ...)
    /// as the object's fields, for log pipelines.
    Json,
}

/// The framework's settings. Field names and defaults follow Karafka; durations are written in
/// milliseconds in `karafka.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// librdkafka `client.id` of every client the process creates. Default `"karafka"`.
    pub client_id: String,
    /// Consumer group of routes that do not name one. Default `"app"`.
    pub group_id: String,
    /// How many consume jobs run at once across all partitions. Default 5.
    pub concurrency: usize,
    /// Most messages handed to one consume job. Default 100.
    pub max_messages: usize,
    /// Longest time a partition gathers messages for its next batch, counted from when it is
    /// ready for one; a partition that was idle longer hands over its first message at once.
    /// Default 1000 ms.
    #[serde(with = "millis")]
    pub max_wait_time: Duration,
    /// How long in-flight jobs may run after SIGINT/SIGTERM before the process exits with
    /// code 2. Default 60000 ms.
    #[serde(with = "millis")]
    pub shutdown_timeout: Duration,
    /// First pause of a partition after its job failed. Default 1000 ms.
    #[serde(with = "millis")]
    pub pause_timeout: Duration,
    /// Longest pause after repeated failures. Default 30000 ms.
    #[serde(with = "millis")]
    pub pause_max_timeout: Duration,
    /// Whether the pause doubles after each failure of the same job. Default true.
    pub pause_with_exponential_backoff: bool,
    /// Where a new consumer group starts. Default `earliest`.
    pub initial_offset: InitialOffset,
    /// How long the server waits at start for each subscription group's consumer to join its
    /// consumer group before it gives up and exits with code 1 (brokers unreachable, credentials
    /// refused); 0 keeps retrying for ever. Default 0.
    #[serde(with = "millis")]
    pub join_timeout: Duration,
    /// How the app's log lines are written: `text` or `json`. Default `text`.
    pub log_format: LogFormat,
    /// How often the server logs, at INFO, a summary of what it consumed since the last one
    /// (messages, batches, errors, lag); each batch is logged at DEBUG. Default 10000 ms.
    #[serde(with = "millis")]
    pub log_summary_interval: Duration,
    /// When true, the app refuses to build unless every routed topic (patterns aside) and every
    /// dead-letter target has an explicit declaration: `config` on its route or a `declare` item
    /// that the `topics` commands manage. Default false.
    pub strict_declarative_topics: bool,
    /// Budget for the messages librdkafka fetches ahead of the handlers, across every partition
    /// of the subscribed topics (counted when the server starts, which then needs the brokers
    /// to answer within 10 s): each partition gets `queued.max.messages.kbytes` and
    /// `fetch.message.max.bytes` that together take its even share, and fetch responses are no
    /// larger than a share, so the prefetch of all of them stays within the budget. Bytes, or a
    /// size with its unit (`"256 MiB"`). Default none: every partition may prefetch librdkafka's
    /// limits (8 MiB queued and a 1 MiB fetch).
    pub max_memory: Option<ByteSize>,
    /// librdkafka settings shared by consumers and the producer.
    pub kafka: KafkaSettings,
    /// Settings of the producer.
    pub producer: ProducerConfig,
    /// The HTTP endpoint for metrics and health probes.
    pub metrics: MetricsConfig,
    /// The web UI: reporting into Kafka, the UI's address, who may send commands.
    pub web: WebConfig,
    /// SASL/OAUTHBEARER tokens from code: set with [`Config::oauth_token_provider`]; not read
    /// from `karafka.toml`.
    #[serde(skip)]
    pub oauth: OAuthConfig,
    /// `swarm`: how many node processes, and how their supervisor watches them.
    pub swarm: SwarmConfig,
}

/// Settings of the producer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProducerConfig {
    /// librdkafka settings laid over the shared `kafka` map for the producer only. The producer
    /// defaults to `acks = "all"` and `enable.idempotence = true`.
    pub kafka: KafkaSettings,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            client_id: "karafka".into(),
            group_id: "app".into(),
            concurrency: 5,
            max_messages: 100,
            max_wait_time: Duration::from_millis(1_000),
            shutdown_timeout: Duration::from_millis(60_000),
            pause_timeout: Duration::from_millis(1_000),
            pause_max_timeout: Duration::from_millis(30_000),
            pause_with_exponential_backoff: true,
            initial_offset: InitialOffset::Earliest,
            join_timeout: Duration::ZERO,
            log_format: LogFormat::Text,
            log_summary_interval: Duration::from_millis(10_000),
            strict_declarative_topics: false,
            max_memory: None,
            kafka: KafkaSettings::new(),
            producer: ProducerConfig::default(),
            metrics: MetricsConfig::default(),
            web: WebConfig::default(),
            oauth: OAuthConfig::default(),
            swarm: SwarmConfig::default(),
        }
    }
}

impl Config {
    /// Sets one librdkafka setting shared by consumers and the producer.
    pub fn kafka(mut self, key: impl Into<String>, value: impl ToString) -> Self {
        self.kafka.set(key, value);
        self
    }

    /// Gets every client's SASL/OAUTHBEARER tokens from `provider` (with
    /// `kafka."sasl.mechanism" = "OAUTHBEARER"`).
    pub fn oauth_token_provider(mut self, provider: impl OAuthTokenProvider) -> Self {
        self.oauth.token_provider_listener = Some(std::sync::Arc::new(provider));
        self
    }

    /// The cluster of `[kafka]`: where routes without their own connection settings consume,
    /// and where the app's producer and [`Admin::new`](crate::admin::Admin::new) connect.
    pub fn cluster(&self) -> Cluster {
        Cluster::of(&self.kafka)
    }

    /// Sets [`Config::max_memory`], the budget for the messages fetched ahead of the handlers.
    pub fn max_memory(mut self, budget: ByteSize) -> Self {
        self.max_memory = Some(budget);
        self
    }

    /// Sets the default consumer group.
    pub fn group_id(mut self, group_id: impl Into<String>) -> Self {
        self.group_id = group_id.into();
        self
    }
}
