//! Declarative topic settings: what `topics create | plan | migrate` make the cluster match.

use std::collections::BTreeMap;

/// How a routed topic should exist in the cluster. Routes without one are declared with
/// 1 partition and replication factor 1, as in Karafka.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicConfig {
    pub(crate) partitions: i32,
    pub(crate) replication_factor: i32,
    pub(crate) settings: BTreeMap<String, String>,
}

impl Default for TopicConfig {
    fn default() -> Self {
        Self {
            partitions: 1,
            replication_factor: 1,
            settings: BTreeMap::new(),
        }
    }
}

impl TopicConfig {
    /// One partition, replication factor 1, no topic-level settings.
    pub fn new() -> Self {
        Self::default()
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
