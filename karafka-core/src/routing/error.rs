//! Mistakes in routes, found before anything connects.

/// A route that cannot run.
#[derive(Debug, thiserror::Error)]
pub enum RoutingError {
    /// No active topic is routed, so the server would have nothing to consume.
    #[error(
        "no active topic is routed: add one with `Routes::topic` or `topic \"name\" => Consumer`"
    )]
    Empty,
    /// A topic has no consumer.
    #[error("topic `{topic}` has no consumer: set one with `.consumer::<C>()`")]
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
}
