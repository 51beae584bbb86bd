//! Declarative topic settings: what `topics create | plan | migrate` make the cluster match.

use std::collections::BTreeMap;
use std::fmt;

/// How a topic should exist in the cluster: a route's `config`, or a declaration of its own
/// ([`Routes::declare`](super::Routes::declare)). Routed topics and dead-letter targets without
/// one are declared with 1 partition and replication factor 1, Karafka's defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicConfig {
    pub(crate) active: bool,
    pub(crate) partitions: i32,
    pub(crate) replication_factor: i32,
    pub(crate) settings: BTreeMap<String, String>,
}

impl Default for TopicConfig {
    fn default() -> Self {
        Self {
            active: true,
            partitions: 1,
            replication_factor: 1,
            settings: BTreeMap::new(),
        }
    }
}

impl TopicConfig {
    /// Managed, one partition, replication factor 1, no topic-level settings.
    pub fn new() -> Self {
        Self::default()
    }

    /// With `false`, the `topics` commands leave the topic alone (Karafka's
    /// `config(active: false)`): for a topic another app owns, or a dead-letter target this app
    /// should not declare. Default `true`.
    pub fn active(mut self, active: bool) -> Self {
        self.active = active;
        self
    }

    /// The number of partitions.
    pub fn partitions(mut self, partitions: i32) -> Self {
        self.partitions = partitions;
        self
    }

    /// The replication factor.
    pub fn replication_factor(mut self, replication_factor: i32) -> Self {
        self.replication_factor = replication_factor;
        self
    }

    /// A topic-level Kafka setting such as `"cleanup.policy" = "compact"`.
    pub fn setting(mut self, key: impl Into<String>, value: impl ToString) -> Self {
        self.settings.insert(key.into(), value.to_string());
        self
    }

    /// Whether the `topics` commands manage the topic.
    pub fn is_active(&self) -> bool {
        self.active
    }

    /// The declared partition count.
    pub fn partition_count(&self) -> i32 {
        self.partitions
    }

    /// The declared replication factor.
    pub fn replicas(&self) -> i32 {
        self.replication_factor
    }

    /// The declared topic-level settings.
    pub fn settings(&self) -> &BTreeMap<String, String> {
        &self.settings
    }
}

/// `6 partition(s), replication factor 1, cleanup.policy=compact`, as `topics plan` and `info`
/// show it.
impl fmt::Display for TopicConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} partition(s), replication factor {}",
            self.partitions, self.replication_factor
        )?;
        for (key, value) in &self.settings {
            write!(f, ", {key}={value}")?;
        }
        Ok(())
    }
}
