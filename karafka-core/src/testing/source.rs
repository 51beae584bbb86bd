//! One partition of the in-memory cluster, read by a coordinator like a librdkafka partition
//! queue, and what the test runtime needs to know about it: is it waiting for messages, paused,
//! or busy.

use std::convert::Infallible;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};

use tokio::sync::Notify;
use tokio::time::Instant;

use super::backend::{lock, SharedOffsets};
use crate::instrumentation::statistics::PartitionStatistics;
use crate::memory::Cluster;
use crate::messages::{Message, Origin};
use crate::offsets::SeekTarget;
use crate::processing::{PartitionSource, Retry};
use crate::TopicPartition;

/// Where a partition's coordinator is, as far as its source can tell.
#[derive(Debug, Clone)]
pub(crate) enum Phase {
    /// Not read yet, or a batch was handed out and its job is under way.
    Busy,
    /// Waiting for messages past `position`.
    Waiting,
    /// Paused until a deadline; `retry` when after a failed job. `id` tells pauses apart.
    Paused { id: u64, retry: Option<Retry> },
}

#[derive(Debug)]
struct State {
    /// The next offset to read.
    position: i64,
    phase: Phase,
    /// The end last reported as reached (see `report_end`), until the position moves.
    reported_end: Option<i64>,
}

/// Tells pauses apart across every source of a process.
static NEXT_PAUSE: AtomicU64 = AtomicU64::new(0);

/// One partition of the in-memory cluster.
pub(crate) struct MemorySource {
    cluster: Arc<Cluster>,
    origin: Arc<Origin>,
    partition: TopicPartition,
    offsets: SharedOffsets,
    state: Mutex<State>,
    changed: Arc<Notify>,
}

impl MemorySource {
    pub(crate) fn new(
        cluster: Arc<Cluster>,
        origin: Arc<Origin>,
        position: i64,
        offsets: SharedOffsets,
        changed: Arc<Notify>,
    ) -> Self {
        Self {
            partition: TopicPartition::new(&origin.topic, origin.partition),
            cluster,
            origin,
            offsets,
            state: Mutex::new(State {
                position,
                phase: Phase::Busy,
                reported_end: None,
            }),
            changed,
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // Two fields, each replaced whole: consistent even if a holder panicked.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn set_phase(&self, phase: Phase) {
        self.state().phase = phase;
        self.changed.notify_waiters();
    }

    /// The coordinator's phase, and whether everything in the partition was read.
    pub(crate) fn phase(&self) -> (Phase, bool) {
        let state = self.state();
        let end = self.cluster.end(&self.origin.topic, self.origin.partition);
        (state.phase.clone(), state.position >= end)
    }

    /// Reads from the committed offset again, as a new assignment of the partition does.
    pub(crate) fn rewind_to_committed(&self) {
        let committed = lock(&self.offsets).committed(&self.partition).unwrap_or(0);
        let mut state = self.state();
        state.position = committed;
        state.reported_end = None;
        state.phase = Phase::Busy;
    }
}

impl PartitionSource for MemorySource {
    type Error = Infallible;

    fn origin(&self) -> &Arc<Origin> {
        &self.origin
    }

    /// What the partition holds past the position, up to `max_messages`, at once; waits only
    /// when it holds nothing. Batches are therefore exactly what was produced before the
    /// coordinator asked, which keeps tests deterministic.
    async fn next_batch(
        &self,
        max_messages: usize,
        _max_wait: Duration,
        report_end: bool,
    ) -> (Vec<Message>, Duration) {
        let (topic, partition) = (&self.origin.topic, self.origin.partition);
        let appended = self.cluster.appended(topic, partition);
        loop {
            let notified = appended.notified();
            tokio::pin!(notified);
            // Registered before reading, so an append in between still wakes this wait.
            notified.as_mut().enable();
            let batch = self.available(max_messages);
            if !batch.is_empty() {
                return (batch, Duration::ZERO);
            }
            if report_end {
                let mut state = self.state();
                if state.reported_end != Some(state.position) {
                    state.reported_end = Some(state.position);
                    state.phase = Phase::Busy;
                    return (Vec::new(), Duration::ZERO);
                }
            }
            self.set_phase(Phase::Waiting);
            notified.await;
        }
    }

    /// What the partition holds past the position, up to `max_messages`.
    fn available(&self, max_messages: usize) -> Vec<Message> {
        let (topic, partition) = (&self.origin.topic, self.origin.partition);
        let position = self.state().position;
        let records = self.cluster.read(topic, partition, position, max_messages);
        let Some(next) = records.last().map(|(last, _)| last + 1) else {
            return Vec::new();
        };
        let batch = records
            .into_iter()
            .map(|(offset, record)| record.into_message(Arc::clone(&self.origin), offset))
            .collect();
        let mut state = self.state();
        state.position = next;
        state.phase = Phase::Busy;
        drop(state);
        self.changed.notify_waiters();
        batch
    }

    fn high_watermark(&self) -> Option<i64> {
        Some(self.cluster.end(&self.origin.topic, self.origin.partition))
    }

    /// What the cluster holds now: a test's insights are never stale.
    fn insights(&self) -> Option<PartitionStatistics> {
        let (topic, partition) = (&self.origin.topic, self.origin.partition);
        let end = self.cluster.end(topic, partition);
        let offsets = lock(&self.offsets);
        let committed = offsets.committed(&self.partition);
        let stored = offsets.stored(&self.partition);
        Some(PartitionStatistics {
            partition: self.partition.clone(),
            assigned: true,
            fetch_state: "active".to_owned(),
            consumer_lag: Some(end - committed.unwrap_or(0)),
            consumer_lag_stored: Some(end - stored.or(committed).unwrap_or(0)),
            stored_offset: stored,
            committed_offset: committed,
            high_watermark: Some(end),
            low_watermark: Some(0),
            last_stable_offset: Some(end),
            fetch_queue_messages: 0,
        })
    }

    fn committable(&self, next_unmarked: i64) -> i64 {
        next_unmarked
    }

    fn store(&self, offset: i64, metadata: Option<&str>) -> Result<(), Infallible> {
        lock(&self.offsets).store(self.partition.clone(), offset + 1, metadata);
        Ok(())
    }

    fn commit_sync(&self, offset: i64, metadata: Option<&str>) -> Result<(), Infallible> {
        lock(&self.offsets).commit(self.partition.clone(), offset + 1, metadata);
        Ok(())
    }

    fn committed_metadata(&self) -> Result<Option<String>, Infallible> {
        Ok(lock(&self.offsets).committed_metadata(&self.partition))
    }

    fn committed_offset(&self) -> Result<Option<i64>, Infallible> {
        Ok(lock(&self.offsets).committed(&self.partition))
    }

    fn commit_stored(&self) -> Result<(), Infallible> {
        lock(&self.offsets).commit_stored();
        Ok(())
    }

    fn resolve(&self, target: SeekTarget) -> Result<i64, Infallible> {
        let (topic, partition) = (&self.origin.topic, self.origin.partition);
        Ok(match target {
            SeekTarget::Offset(offset) => offset,
            SeekTarget::Earliest => 0,
            SeekTarget::Latest => self.cluster.end(topic, partition),
            SeekTarget::Time(time) => self.cluster.offset_for_time(topic, partition, time),
        })
    }

    fn seek(&self, offset: i64) -> Result<(), Infallible> {
        let mut state = self.state();
        state.position = offset;
        state.reported_end = None;
        Ok(())
    }

    fn now(&self) -> SystemTime {
        self.cluster.clock().now()
    }

    fn pause(&self, _until: Instant, retry: Option<&Retry>) {
        let id = NEXT_PAUSE.fetch_add(1, Ordering::Relaxed);
        self.set_phase(Phase::Paused {
            id,
            retry: retry.cloned(),
        });
    }

    fn resume(&self) {
        self.set_phase(Phase::Busy);
    }
}
