//! The errors of karafka-web.

use karafka::admin::AdminError;
use karafka::producer::ProduceError;

/// Why a web operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WebError {
    /// A request to the cluster failed.
    #[error(transparent)]
    Admin(#[from] AdminError),
    /// librdkafka refused a call.
    #[error("{what}: {source}")]
    Kafka {
        /// What was being done.
        what: &'static str,
        /// Why it failed.
        source: rdkafka::error::KafkaError,
    },
    /// A record was not acknowledged.
    #[error(transparent)]
    Produce(#[from] ProduceError),
    /// A record could not be encoded.
    #[error("encoding a {what}: {source}")]
    Encode {
        /// What was encoded.
        what: &'static str,
        /// Why it failed.
        source: serde_json::Error,
    },
    /// A dead letter was replayed as often as `web.max_replays` allows.
    #[error(
        "{topic}/{partition} at offset {offset} was replayed {replays} time(s) already; \
         web.max_replays ({max}) refuses more, so a poison message cannot loop"
    )]
    TooManyReplays {
        /// The dead-letter topic.
        topic: String,
        /// Its partition.
        partition: i32,
        /// The dead letter's offset.
        offset: i64,
        /// How often it was replayed.
        replays: u32,
        /// `web.max_replays`.
        max: u32,
    },
    /// A dead letter does not name the topic it came from.
    #[error("{topic}/{partition} at offset {offset} has no original_topic header to replay to")]
    NoOrigin {
        /// The dead-letter topic.
        topic: String,
        /// Its partition.
        partition: i32,
        /// The dead letter's offset.
        offset: i64,
    },
    /// A replay asked for more messages than one replay writes.
    #[error("offsets {first}..={last} are {count} messages; a replay takes 1 to {max} at once")]
    ReplayRange {
        /// The first offset asked for.
        first: i64,
        /// The last offset asked for.
        last: i64,
        /// How many that is (0 when `last` is before `first`).
        count: i64,
        /// The most one replay takes.
        max: usize,
    },
    /// Nothing is at the offsets asked for.
    #[error("no message at offsets {first}..={last} of {topic}/{partition}")]
    NotFound {
        /// The topic.
        topic: String,
        /// The partition.
        partition: i32,
        /// The first offset asked for.
        first: i64,
        /// The last offset asked for.
        last: i64,
    },
    /// The UI's address could not be listened on.
    #[error("web.address {address}: {source}")]
    Bind {
        /// `web.address`.
        address: String,
        /// Why it failed.
        source: std::io::Error,
    },
    /// A setting is wrong.
    #[error(transparent)]
    Config(#[from] karafka::config::ConfigError),
}
