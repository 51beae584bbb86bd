//! Which consumer groups, subscription groups and topics a server process consumes.

use crate::routing::{RoutingError, Subscription};

/// Narrows what a server consumes, as `server --include-topics a,b` does. Empty include lists
/// admit everything; exclude lists win over include lists.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Consume only these consumer groups.
    pub include_consumer_groups: Vec<String>,
    /// Do not consume these consumer groups.
    pub exclude_consumer_groups: Vec<String>,
    /// Consume only these subscription groups.
    pub include_subscription_groups: Vec<String>,
    /// Do not consume these subscription groups.
    pub exclude_subscription_groups: Vec<String>,
    /// Consume only these topics (or patterns, by their source).
    pub include_topics: Vec<String>,
    /// Do not consume these topics.
    pub exclude_topics: Vec<String>,
}

fn admits(include: &[String], exclude: &[String], name: &str) -> bool {
    (include.is_empty() || include.iter().any(|n| n == name)) && !exclude.iter().any(|n| n == name)
}

impl Selection {
    /// The parts of `subscriptions` this selection admits.
    pub(crate) fn apply(
        &self,
        subscriptions: Vec<Subscription>,
    ) -> Result<Vec<Subscription>, RoutingError> {
        let selected: Vec<Subscription> = subscriptions
            .into_iter()
            .filter(|s| {
                admits(
                    &self.include_consumer_groups,
                    &self.exclude_consumer_groups,
                    &s.group_id,
                )
            })
            .filter(|s| {
                admits(
                    &self.include_subscription_groups,
                    &self.exclude_subscription_groups,
                    &s.subscription_group,
                )
            })
            .filter_map(|mut s| {
                s.topics
                    .retain(|t| admits(&self.include_topics, &self.exclude_topics, &t.name));
                (!s.topics.is_empty()).then_some(s)
            })
            .collect();
        if selected.is_empty() {
            return Err(RoutingError::NothingSelected);
        }
        Ok(selected)
    }
}
