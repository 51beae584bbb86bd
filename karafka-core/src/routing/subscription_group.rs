//! A named subscription group: topics that share one connection.

use super::Topic;

/// Topics of one consumer group that share one connection (one librdkafka consumer), e.g. to keep
/// slow topics from delaying fast ones' polls.
pub struct SubscriptionGroup {
    pub(crate) name: String,
    pub(crate) topics: Vec<Topic>,
}

impl SubscriptionGroup {
    /// A subscription group named `name`.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            topics: Vec::new(),
        }
    }

    /// Routes `topic` in this subscription group.
    pub fn topic(mut self, topic: Topic) -> Self {
        self.topics
            .push(topic.subscription_group(self.name.clone()));
        self
    }
}
