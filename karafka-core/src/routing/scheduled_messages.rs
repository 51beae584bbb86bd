//! Routing a schedules topic with its built-in consumer (Karafka's `scheduled_messages` routing
//! builder).

use std::time::Duration;

use super::{ConsumerGroup, Periodic, Routes, Topic, TopicConfig};
use crate::config::InitialOffset;
use crate::scheduled_messages::ScheduledMessagesConsumer;

/// Karafka's consumer group of schedules topics.
const DEFAULT_GROUP_ID: &str = "karafka_scheduled_messages";
/// How often a loaded partition looks for due messages when nothing arrives; it bounds how late
/// a message is dispatched (Karafka ticks every 15 s, too coarse for a one-second tolerance).
const DEFAULT_INTERVAL: Duration = Duration::from_millis(500);
/// Karafka's batch size for schedules topics: rebuilding reads whole partitions.
const MAX_MESSAGES: usize = 10_000;

/// A schedules topic and how it is consumed: the argument of
/// [`Routes::scheduled_messages`]; a topic name converts into one with the defaults.
///
/// ```
/// use std::time::Duration;
/// use karafka::routing::{Routes, ScheduledMessages};
///
/// let routes = Routes::new().scheduled_messages(
///     ScheduledMessages::new("schedules")
///         .group_id("billing_schedules")
///         .interval(Duration::from_millis(250)),
/// );
/// ```
#[derive(Debug, Clone)]
pub struct ScheduledMessages {
    topic: String,
    group_id: String,
    interval: Duration,
    config: TopicConfig,
}

impl ScheduledMessages {
    /// The schedules topic `topic`, consumed in Karafka's group `karafka_scheduled_messages`,
    /// looking for due messages every 500 ms, declared as Karafka declares it: 5 partitions,
    /// compacted (`cleanup.policy=compact`, `min.cleanable.dirty.ratio=0.1`, hourly segments,
    /// tombstones kept an hour, 50 MiB segments).
    pub fn new(topic: impl Into<String>) -> Self {
        Self {
            topic: topic.into(),
            group_id: DEFAULT_GROUP_ID.to_owned(),
            interval: DEFAULT_INTERVAL,
            config: TopicConfig::new()
                .partitions(5)
                .setting("cleanup.policy", "compact")
                .setting("min.cleanable.dirty.ratio", "0.1")
                .setting("segment.ms", 3_600_000)
                .setting("delete.retention.ms", 3_600_000)
                .setting("segment.bytes", 52_428_800),
        }
    }

    /// The consumer group that consumes the topic (Karafka's `scheduled_messages.group_id`).
    pub fn group_id(mut self, group_id: impl Into<String>) -> Self {
        self.group_id = group_id.into();
        self
    }

    /// How often a loaded partition looks for due messages when no record arrives (Karafka's
    /// `scheduled_messages.interval`, here 500 ms by default): a message is dispatched at most
    /// this much plus a produce round trip after its time.
    pub fn interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// How the topic is declared for the `topics` commands, instead of Karafka's declaration.
    /// Keep it compacted: dispatched and cancelled messages are then removed.
    pub fn config(mut self, config: TopicConfig) -> Self {
        self.config = config;
        self
    }

    /// The topic.
    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// The route of the topic in its consumer group. It reads each partition from its
    /// beginning on every assignment: offsets are managed by hand and never marked, so nothing
    /// is committed and `earliest` always applies. It takes none of the routes' defaults: a
    /// filter or virtual partitions would hide records from the schedule or split it.
    fn consumer_group(self) -> ConsumerGroup {
        let mut route = Topic::new(self.topic)
            .consumer::<ScheduledMessagesConsumer>()
            .manual_offset_management(true)
            .initial_offset(InitialOffset::Earliest)
            .eofed(true)
            .max_messages(MAX_MESSAGES)
            .max_wait_time(self.interval)
            .periodic(
                Periodic::new()
                    .interval(self.interval)
                    .during_pause(false)
                    .during_retry(false),
            )
            .config(self.config);
        route.ignores_defaults = true;
        ConsumerGroup::new(self.group_id).topic(route)
    }
}

impl From<&str> for ScheduledMessages {
    fn from(topic: &str) -> Self {
        Self::new(topic)
    }
}

impl From<String> for ScheduledMessages {
    fn from(topic: String) -> Self {
        Self::new(topic)
    }
}

impl Routes {
    /// Routes a schedules topic (Karafka's `scheduled_messages`): declared compacted, consumed
    /// by the built-in [`ScheduledMessagesConsumer`] in a consumer group of its own, which keeps
    /// the schedule and dispatches each message at its time (see
    /// [`crate::scheduled_messages`]). The app's producer schedules onto the first topic routed
    /// this way ([`Producer::schedule`](crate::Producer::schedule)).
    ///
    /// ```
    /// use karafka::routing::Routes;
    ///
    /// let routes = Routes::new().scheduled_messages("schedules");
    /// ```
    pub fn scheduled_messages(mut self, scheduled: impl Into<ScheduledMessages>) -> Self {
        let scheduled = scheduled.into();
        if self.schedules_topic.is_none() {
            self.schedules_topic = Some(scheduled.topic.clone());
        }
        self.consumer_group(scheduled.consumer_group())
    }

    /// The topic the app's producer schedules onto: the first routed with
    /// [`Routes::scheduled_messages`].
    pub(crate) fn schedules_topic(&self) -> Option<&str> {
        self.schedules_topic.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    #[test]
    fn a_schedules_topic_takes_none_of_the_routes_defaults() {
        let routes = Routes::new()
            .defaults(|topic| {
                topic
                    .virtual_partitions(crate::middleware::VirtualPartitions::by_key())
                    .max_messages(1)
            })
            .scheduled_messages("schedules");
        let resolved = routes
            .resolve(&Config::default())
            .unwrap_or_else(|error| panic!("valid routes: {error}"));
        let route = &resolved.subscriptions[0].topics[0];
        assert!(route.stack.virtual_partitions.is_none());
        assert_eq!(route.max_messages, MAX_MESSAGES);
    }

    #[test]
    fn a_schedules_topic_is_declared_compacted_and_routed_to_the_built_in_consumer() {
        let routes = Routes::new()
            .scheduled_messages(ScheduledMessages::new("schedules").group_id("sm"))
            .scheduled_messages("later");
        assert_eq!(routes.schedules_topic(), Some("schedules"));
        let resolved = routes
            .resolve(&Config::default())
            .unwrap_or_else(|error| panic!("valid routes: {error}"));
        let declared = resolved
            .declared
            .iter()
            .find(|topic| topic.name == "schedules")
            .unwrap_or_else(|| panic!("schedules declared: {:?}", resolved.declared));
        assert_eq!(
            declared
                .config
                .settings()
                .get("cleanup.policy")
                .map(String::as_str),
            Some("compact")
        );
        let subscription = resolved
            .subscriptions
            .iter()
            .find(|subscription| subscription.group_id == "sm")
            .unwrap_or_else(|| panic!("group sm: {:?}", resolved.subscriptions));
        let route = &subscription.topics[0];
        assert_eq!(route.consumer_name, "ScheduledMessagesConsumer");
        assert!(route.eofed && route.stack.manual_offset_management);
        assert_eq!(subscription.initial_offset, InitialOffset::Earliest);
        assert_eq!(route.periodic.map(|p| p.interval), Some(DEFAULT_INTERVAL));
    }
}
