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

/// A consumer group's offsets: stored (to be committed) and committed, as next offsets to read,
/// each with its metadata.
#[derive(Debug, Default)]
pub(crate) struct GroupOffsets {
    stored: HashMap<TopicPartition, Committable>,
    committed: HashMap<TopicPartition, Committable>,
}

/// An offset and the metadata stored or committed with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Committable {
    pub(crate) next: i64,
    pub(crate) metadata: Option<String>,
}

impl GroupOffsets {
    pub(crate) fn store(&mut self, partition: TopicPartition, next: i64, metadata: Option<&str>) {
        self.stored
            .insert(partition, Committable::new(next, metadata));
    }

    pub(crate) fn commit(&mut self, partition: TopicPartition, next: i64, metadata: Option<&str>) {
        self.committed
            .insert(partition, Committable::new(next, metadata));
    }

    pub(crate) fn committed(&self, partition: &TopicPartition) -> Option<i64> {
        self.committed
            .get(partition)
            .map(|committed| committed.next)
    }

    /// The metadata committed with the partition's offset, if any.
    pub(crate) fn committed_metadata(&self, partition: &TopicPartition) -> Option<String> {
        self.committed
            .get(partition)
            .and_then(|committed| committed.metadata.clone())
    }

    /// What the next commit carries, if anything was stored since the last.
    pub(crate) fn stored(&self, partition: &TopicPartition) -> Option<i64> {
        self.stored.get(partition).map(|stored| stored.next)
    }

    /// Commits everything stored since the last commit, as librdkafka commits a connection's
    /// stored offsets.
    pub(crate) fn commit_stored(&mut self) {
        let stored: Vec<(TopicPartition, Committable)> = self.stored.drain().collect();
        self.committed.extend(stored);
    }
}

impl Committable {
    fn new(next: i64, metadata: Option<&str>) -> Self {
        Self {
            next,
            metadata: metadata.map(str::to_owned),
        }
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
