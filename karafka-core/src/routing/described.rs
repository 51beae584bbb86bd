//! Routes as plain data for tools that show them (the web UI's routes page).

/// One routed topic as a tool shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RouteDescription {
    /// The consumer group.
    pub consumer_group: String,
    /// The subscription group within it.
    pub subscription_group: String,
    /// How many connections run the subscription group (more than 1 when multiplexed).
    pub connections: usize,
    /// The topic, or a pattern's source.
    pub topic: String,
    /// Whether `topic` is a pattern.
    pub pattern: bool,
    /// The consumer's type name.
    pub consumer: String,
    /// The dead-letter topic, when failures go to one.
    pub dead_letter_topic: Option<String>,
    /// Whether jobs run as virtual partitions.
    pub virtual_partitions: bool,
    /// Whether jobs may outlive `max.poll.interval.ms`.
    pub long_running_job: bool,
    /// How many filters run before the consumer.
    pub filters: usize,
    /// Every feature in words (dead-letter queue, virtual partitions, filters, layers, ...).
    pub features: Vec<String>,
}
