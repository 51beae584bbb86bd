//! A consumer group: topics consumed under one `group.id`.

use super::{SubscriptionGroup, Topic};

/// Topics consumed under one Kafka `group.id`.
pub struct ConsumerGroup {
    pub(crate) name: String,
    pub(crate) topics: Vec<Topic>,
}

impl ConsumerGroup {
    /// A group named `name` (its Kafka `group.id`).
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            topics: Vec::new(),
        }
    }

    /// Routes `topic` in this group.
    pub fn topic(mut self, topic: Topic) -> Self {
        self.topics.push(topic);
        self
    }

    /// Routes the topics of a named subscription group in this group.
    pub fn subscription_group(mut self, group: SubscriptionGroup) -> Self {
        self.topics.extend(group.into_topics());
        self
    }
}
