//! Mistakes in routes, found before anything connects.

/// A route that cannot run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RoutingError {
    /// No active topic is routed, so the server would have nothing to consume.
    #[error(
        "no active topic is routed: add one with `Routes::topic` or `topic \"name\" => Consumer`"
    )]
    Empty,
    /// The server's include/exclude filters left nothing to consume.
    #[error("no topic is left to consume after the --include/--exclude filters")]
    NothingSelected,
    /// An active topic has no consumer.
    #[error(
        "topic `{topic}` has no consumer: set one with `.consumer::<C>()` or `.consumer_with(...)`, \
         or declare a topic nothing consumes with `Routes::declare`"
    )]
    MissingConsumer {
        /// The topic.
        topic: String,
    },
    /// The same topic is routed twice in one consumer group.
    #[error("topic `{topic}` is routed twice in consumer group `{group}`")]
    DuplicateTopic {
        /// The topic.
        topic: String,
        /// The consumer group.
        group: String,
    },
    /// A topic or group name Kafka does not accept.
    #[error("invalid name `{name}`: {reason}")]
    InvalidName {
        /// The name.
        name: String,
        /// What Kafka requires.
        reason: &'static str,
    },
    /// A pattern route whose regex does not compile.
    #[error("invalid pattern `{pattern}`: {reason}")]
    InvalidPattern {
        /// The pattern.
        pattern: String,
        /// The regex parser's complaint.
        reason: String,
    },
    /// A topic declared (by `declare` items or routes' `config`) with different configs.
    #[error("topic `{topic}` is declared with different configs; declare its config once")]
    ConflictingConfig {
        /// The topic.
        topic: String,
    },
    /// `strict_declarative_topics` is on and routed topics or dead-letter targets have no
    /// explicit declaration.
    #[error(
        "strict_declarative_topics: {described} not declared; declare each with `config` on its \
         route or a `declare` item (`Routes::declare`)"
    )]
    UndeclaredTopics {
        /// The topics without a declaration.
        topics: Vec<String>,
        /// Each topic and why it needs one, comma-separated.
        described: String,
    },
    /// A per-topic setting out of range.
    #[error("topic `{topic}`: `{key}` = {value}: {expected}")]
    InvalidSetting {
        /// The topic.
        topic: String,
        /// The setting.
        key: &'static str,
        /// The value given.
        value: String,
        /// What is allowed.
        expected: &'static str,
    },
    /// A server filter names a consumer group, subscription group or topic no route has.
    #[error("--{option} names `{name}`, which no route has (routed: {known})")]
    UnknownSelected {
        /// The filter, e.g. `include-topics`.
        option: &'static str,
        /// The name it was given.
        name: String,
        /// The names the routes have, comma-separated.
        known: String,
    },
}
