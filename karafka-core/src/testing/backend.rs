//! The in-memory backend of one consumer group: partitions read from the in-memory cluster,
//! offsets stored and committed in memory.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::Notify;

use super::source::MemorySource;
use crate::memory::Cluster;
use crate::messages::Origin;
use crate::processing::Backend;
use crate::TopicPartition;

/// A consumer group's offsets: stored (to be committed) and committed, as next offsets to read.
#[derive(Debug, Default)]
pub(crate) struct GroupOffsets {
    stored: HashMap<TopicPartition, i64>,
    committed: HashMap<TopicPartition, i64>,
}

impl GroupOffsets {
    pub(crate) fn store(&mut self, partition: TopicPartition, next: i64) {
        self.stored.insert(partition, next);
    }

    pub(crate) fn commit(&mut self, partition: TopicPartition, next: i64) {
        self.committed.insert(partition, next);
    }

    pub(crate) fn committed(&self, partition: &TopicPartition) -> Option<i64> {
        self.committed.get(partition).copied()
    }

    /// What the next commit carries, if anything was stored since the last.
    pub(crate) fn stored(&self, partition: &TopicPartition) -> Option<i64> {
        self.stored.get(partition).copied()
    }

    /// Commits everything stored since the last commit, as librdkafka commits a connection's
    /// stored offsets.
    pub(crate) fn commit_stored(&mut self) {
        let stored: Vec<(TopicPartition, i64)> = self.stored.drain().collect();
        self.committed.extend(stored);
    }
}

/// Shared by a group's backend and its partitions' sources.
pub(crate) type SharedOffsets = Arc<Mutex<GroupOffsets>>;

pub(crate) fn lock(offsets: &SharedOffsets) -> MutexGuard<'_, GroupOffsets> {
    // Two maps changed by single inserts: consistent even if a holder panicked.
    offsets.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The partitions of one consumer group in the in-memory cluster.
pub(crate) struct MemoryBackend {
    cluster: Arc<Cluster>,
    offsets: SharedOffsets,
    /// Signalled whenever a source's state changes, for the runtime waiting on them.
    changed: Arc<Notify>,
}

impl MemoryBackend {
    pub(crate) fn new(cluster: Arc<Cluster>, offsets: SharedOffsets, changed: Arc<Notify>) -> Self {
        Self {
            cluster,
            offsets,
            changed,
        }
    }
}

impl Backend for MemoryBackend {
    type Source = MemorySource;
    type Error = Infallible;

    fn source(&self, origin: Arc<Origin>) -> Option<MemorySource> {
        let start = lock(&self.offsets)
            .committed(&TopicPartition::new(&origin.topic, origin.partition))
            .unwrap_or(0);
        Some(MemorySource::new(
            Arc::clone(&self.cluster),
            origin,
            start,
            Arc::clone(&self.offsets),
            Arc::clone(&self.changed),
        ))
    }

    fn commit_stored(&self) -> Result<(), Infallible> {
        lock(&self.offsets).commit_stored();
        Ok(())
    }
}
