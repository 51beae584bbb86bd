//! The errors of building and running an app.

use std::time::Duration;

use rdkafka::error::KafkaError;

use crate::admin::AdminError;
use crate::config::{ConfigError, Refusal};
use crate::producer::ProduceError;
use crate::routing::RoutingError;
use crate::TopicPartition;

/// Why an app could not be built or its server could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The settings are invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The routes are invalid.
    #[error(transparent)]
    Routing(#[from] RoutingError),
    /// The producer could not be created.
    #[error(transparent)]
    Producer(#[from] ProduceError),
    /// An admin operation failed.
    #[error(transparent)]
    Admin(#[from] AdminError),
    /// A subscription group's consumer could not be created or subscribed.
    #[error("subscription group `{group}` could not start: {error}")]
    Connection {
        /// The subscription group.
        group: String,
        /// librdkafka's error.
        error: KafkaError,
    },
    /// A subscription group's consumer did not join its consumer group within `join_timeout`.
    #[error(
        "subscription group `{group}` did not join its consumer group within {} ms \
         (join_timeout); giving up: check that Kafka answers at {servers} and accepts the \
         client's credentials",
        waited.as_millis()
    )]
    NotJoined {
        /// The subscription group.
        group: String,
        /// How long it waited.
        waited: Duration,
        /// The `bootstrap.servers` it tried.
        servers: String,
    },
    /// The brokers refused a subscription group's consumer at start: its credentials, its SASL
    /// mechanism or the TLS handshake. librdkafka would retry for ever; the server stops at
    /// once instead.
    #[error("subscription group `{group}` could not connect to {servers}: {refusal}")]
    Refused {
        /// The subscription group.
        group: String,
        /// The `bootstrap.servers` it tried.
        servers: String,
        /// What the brokers refused.
        refusal: Refusal,
    },

    /// A consumer failed with a critical error ([`Critical`](crate::consumer::Critical), or a
    /// type its route declared critical); the server stopped gracefully instead of retrying.
    #[error(
        "critical error in {consumer} on {partition} at offset {}: {error}; the server stopped \
         (the batch was not marked and is consumed again after a restart)",
        offset.map_or_else(|| "unknown".to_owned(), |offset| offset.to_string())
    )]
    Critical {
        /// The consumer's type name.
        consumer: &'static str,
        /// Where it failed.
        partition: TopicPartition,
        /// The first offset not handled.
        offset: Option<i64>,
        /// The error, with its chain.
        error: String,
    },

    /// The metrics and health endpoint could not listen on `metrics.address` (the port is in
    /// use, the address is not this host's).
    #[error(
        "invalid configuration: `metrics.address` = \"{address}\": cannot listen there: {source}"
    )]
    Endpoint {
        /// The address.
        address: String,
        /// Why.
        source: std::io::Error,
    },
    /// A started server's task ended without finishing its stop: the tokio runtime that ran it
    /// shut down first.
    #[error("the server's task ended before its stop finished: its tokio runtime shut down")]
    Stopped,
    /// A plugin could not prepare (see [`Plugin::prepare`](crate::plugin::Plugin::prepare));
    /// nothing was consumed.
    #[error("{source}")]
    Plugin {
        /// What the plugin said.
        source: crate::BoxError,
    },
}
