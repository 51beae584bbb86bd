//! A named subscription group: topics that share one connection, or several with multiplexing.

use super::{Multiplexing, Topic};

/// Topics of one consumer group that share one connection (one librdkafka consumer), e.g. to keep
/// slow topics from delaying fast ones' polls; with [`SubscriptionGroup::multiplexing`], several.
pub struct SubscriptionGroup {
    pub(crate) name: String,
    pub(crate) topics: Vec<Topic>,
    multiplexing: Option<Multiplexing>,
}

impl SubscriptionGroup {
    /// A subscription group named `name`.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            topics: Vec::new(),
            multiplexing: None,
        }
    }

    /// Routes `topic` in this subscription group.
    pub fn topic(mut self, topic: Topic) -> Self {
        self.topics
            .push(topic.subscription_group(self.name.clone()));
        self
    }

    /// Runs this subscription group on several connections in this process (Karafka's
    /// multiplexing): see [`Multiplexing`]. Topics routed elsewhere into a subscription group
    /// of this name (with [`Topic::subscription_group`]) run on the same connections.
    pub fn multiplexing(mut self, multiplexing: Multiplexing) -> Self {
        self.multiplexing = Some(multiplexing);
        self
    }

    /// The topics, each carrying the group's multiplexing, for the consumer group they join.
    pub(crate) fn into_topics(self) -> impl Iterator<Item = Topic> {
        let multiplexing = self.multiplexing;
        self.topics.into_iter().map(move |mut topic| {
            topic.multiplexing = multiplexing;
            topic
        })
    }
}
