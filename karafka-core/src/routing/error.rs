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
    /// A subscription group's setting out of range.
    #[error(
        "subscription group `{subscription_group}` of consumer group `{group}`: `{key}` = \
         {value}: {expected}"
    )]
    InvalidGroupSetting {
        /// The consumer group.
        group: String,
        /// The subscription group.
        subscription_group: String,
        /// The setting, e.g. `multiplexing.connections`.
        key: &'static str,
        /// The value given.
        value: String,
        /// What is allowed.
        expected: &'static str,
    },
    /// One subscription group is given two different multiplexings.
    #[error(
        "subscription group `{subscription_group}` of consumer group `{group}` is given \
         multiplexing with {first} and with {second} connections; set it once"
    )]
    ConflictingMultiplexing {
        /// The consumer group.
        group: String,
        /// The subscription group.
        subscription_group: String,
        /// The connections given first.
        first: usize,
        /// The connections given later.
        second: usize,
    },
    /// A recurring task that cannot be scheduled.
    #[error(transparent)]
    RecurringTasks(#[from] crate::recurring_tasks::TaskError),
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
    /// A jobs topic also names a consumer.
    #[error(
        "topic `{topic}` performs jobs and also has the consumer `{consumer}`: a jobs topic's \
         consumer is the built-in job consumer; route the consumer on a topic of its own"
    )]
    JobsWithConsumer {
        /// The topic.
        topic: String,
        /// The consumer's type name.
        consumer: &'static str,
    },
    /// Two job types of one topic have the same name, so an envelope could not tell them apart.
    #[error(
        "topic `{topic}` registers two job types named `{job}`: give one another name with \
         `fn name()` in its `impl Job`"
    )]
    DuplicateJobName {
        /// The topic.
        topic: String,
        /// The name.
        job: String,
    },
    /// One job type is registered on two topics, so enqueueing could not choose one.
    #[error(
        "job type `{job}` is registered on topics `{first}` and `{second}`: register it on one \
         topic (consumer groups may share that topic)"
    )]
    JobRoutedTwice {
        /// The job type's name.
        job: String,
        /// The topic registering it first.
        first: String,
        /// The other topic.
        second: String,
    },
}
