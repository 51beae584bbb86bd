//! One assignment of a partition to this process: who owns it, what was marked, what the consumer
//! asked for (pause, seek).
//!
//! Marks are recorded here at once and handed to the source's offset store in bulk: after each
//! job, every listener poll (100 ms) and before any commit. Storing per mark would cost a
//! librdkafka topic lookup per message; a mark not stored yet is only ever re-consumed, never
//! lost. Ownership and marks share one lock, so a mark and a revocation never interleave: once
//! [`Assignment::revoke`] returned, no later mark reaches the store, and the commit made on
//! revocation covers every mark made before it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use rdkafka::consumer::ConsumerGroupMetadata;
use tokio_util::sync::CancellationToken;

use super::{Hold, PartitionSource};
use crate::consumer::{Control, PartitionHandle};
use crate::instrumentation::statistics::PartitionStatistics;
use crate::offsets::OffsetTracker;

#[derive(Debug, Default)]
struct State {
    revoked: bool,
    offsets: OffsetTracker,
    control: Option<Control>,
    /// The offset last handed to the store (the next offset to consume).
    stored: Option<i64>,
    /// A job of this assignment is running.
    job_running: bool,
    /// No new job may start: the partition is being handed over.
    winding_down: bool,
    /// The offset metadata the consumer set last; stored with every later offset.
    metadata: Option<Arc<str>>,
    /// `metadata` changed since the last store.
    metadata_changed: bool,
    /// The metadata committed before this assignment, once asked for.
    committed_metadata: Option<Option<String>>,
}

/// One partition, owned by this process from an assignment until its revocation.
pub(crate) struct Assignment<S> {
    /// Kept by the registry across assignments of the partition.
    source: Arc<S>,
    state: Mutex<State>,
    /// Signals the end of a job, for [`Assignment::wind_down`].
    job_ended: Condvar,
    /// Mirrors `state.revoked` for lock-free reads by long jobs.
    revoked: AtomicBool,
    /// The partition was handed over while a job still ran: that job's results are refused.
    abandoned: AtomicBool,
    /// Cancelled on revocation and on shutdown: stop fetching and waiting.
    stop: CancellationToken,
    /// A command's pause of this partition, until a command resumes it.
    hold: Hold,
}

impl<S: PartitionSource> Assignment<S> {
    pub(crate) fn new(source: Arc<S>, stop: CancellationToken) -> Self {
        Self {
            source,
            state: Mutex::new(State::default()),
            job_ended: Condvar::new(),
            revoked: AtomicBool::new(false),
            abandoned: AtomicBool::new(false),
            stop,
            hold: Hold::default(),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // The lock guards plain data that every writer leaves consistent, so a panic elsewhere
        // while holding it cannot leave it half-updated.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn source(&self) -> &S {
        &self.source
    }

    pub(crate) fn stop_token(&self) -> &CancellationToken {
        &self.stop
    }

    /// A command's pause of this partition (see [`Hold`]).
    pub(crate) fn hold(&self) -> &Hold {
        &self.hold
    }

    /// Hands the latest mark to the source's offset store, which its next commit takes.
    pub(crate) fn store(&self) {
        let mut state = self.state();
        Self::store_locked(&self.source, &mut state);
    }

    /// Stores the next offset to consume when it moved: the first unmarked one, or past the
    /// transaction markers that follow it when the partition was read that far.
    fn store_locked(source: &S, state: &mut State) {
        let Some(next) = state.offsets.next_unmarked().filter(|_| !state.revoked) else {
            return;
        };
        let next = source.committable(next);
        let unchanged = !state.metadata_changed;
        if state
            .stored
            .is_some_and(|stored| stored > next || (stored == next && unchanged))
        {
            return;
        }
        state.stored = Some(next);
        state.metadata_changed = false;
        if let Err(error) = source.store(next - 1, state.metadata.as_deref()) {
            tracing::warn!(
                topic = %source.origin().topic,
                partition = source.origin().partition,
                offset = next - 1,
                %error,
                "offset not stored: the partition is no longer assigned"
            );
        }
    }

    /// The next offset to consume as last handed to the store, if any.
    pub(crate) fn stored(&self) -> Option<i64> {
        self.state().stored
    }

    /// A job may start: the partition is neither being handed over nor stopped. Pair with
    /// [`Assignment::end_job`].
    pub(crate) fn begin_job(&self) -> bool {
        let mut state = self.state();
        if state.winding_down || state.revoked || self.stop.is_cancelled() {
            return false;
        }
        state.job_running = true;
        true
    }

    pub(crate) fn end_job(&self) {
        self.state().job_running = false;
        self.job_ended.notify_all();
    }

    /// Starts no new job and waits up to `grace` for the running one to finish, so its marks are
    /// stored and committed before the partition changes owner. `true` when nothing runs any more;
    /// `false` when the job outlived `grace`, which makes the assignment abandoned.
    /// Blocks: runs on the listener thread, inside the rebalance.
    pub(crate) fn wind_down(&self, grace: Duration) -> bool {
        let deadline = Instant::now() + grace;
        let mut state = self.state();
        state.winding_down = true;
        self.stop.cancel();
        while state.job_running {
            let Some(left) = deadline.checked_duration_since(Instant::now()) else {
                self.abandoned.store(true, Ordering::Release);
                return false;
            };
            state = self
                .job_ended
                .wait_timeout(state, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        true
    }

    /// Starts no new job; a running one may finish (the first half of [`Assignment::wind_down`],
    /// for callers that wait for the job themselves).
    pub(crate) fn stop_new_jobs(&self) {
        self.state().winding_down = true;
        self.stop.cancel();
    }

    /// A job of this assignment is running.
    pub(crate) fn job_running(&self) -> bool {
        self.state().job_running
    }

    /// The partition was taken away: store what was marked (the commit on revocation takes it),
    /// then refuse marks and stop the coordinator.
    pub(crate) fn revoke(&self) {
        let mut state = self.state();
        Self::store_locked(&self.source, &mut state);
        state.revoked = true;
        drop(state);
        self.revoked.store(true, Ordering::Release);
        self.stop.cancel();
    }

    /// The partition was handed over while a job still ran (see [`Assignment::wind_down`]).
    pub(crate) fn is_abandoned(&self) -> bool {
        self.abandoned.load(Ordering::Acquire)
    }

    /// The partition is being handed over or was taken away, as opposed to a shutdown. Unlike
    /// [`PartitionHandle::is_revoked`] it holds from the start of [`Assignment::wind_down`],
    /// which already stops the coordinator while the revocation is still to come.
    pub(crate) fn is_leaving(&self) -> bool {
        let state = self.state();
        state.winding_down || state.revoked
    }

    pub(crate) fn take_control(&self) -> Option<Control> {
        self.state().control.take()
    }
}

impl<S: PartitionSource> PartitionHandle for Assignment<S> {
    fn topic(&self) -> &str {
        &self.source.origin().topic
    }

    fn partition(&self) -> i32 {
        self.source.origin().partition
    }

    fn mark(&self, offset: i64) -> bool {
        let mut state = self.state();
        if state.revoked {
            return false;
        }
        state.offsets.mark(offset);
        true
    }

    fn next_unmarked(&self) -> Option<i64> {
        self.state().offsets.next_unmarked()
    }

    fn mark_committed(&self, offset: i64) -> bool {
        let mut state = self.state();
        if state.revoked {
            return false;
        }
        state.offsets.mark(offset);
        // Taken as stored: `store_locked` then stores only what moves past it.
        let next = offset + 1;
        if state.stored.is_none_or(|stored| stored < next) {
            state.stored = Some(next);
        }
        true
    }

    fn committed_offset(&self) -> Result<Option<i64>, String> {
        self.source
            .committed_offset()
            .map_err(|error| error.to_string())
    }

    fn group_metadata(&self) -> Option<ConsumerGroupMetadata> {
        self.source.group_metadata()
    }

    fn is_revoked(&self) -> bool {
        self.revoked.load(Ordering::Acquire)
    }

    fn commit_sync(&self, offset: i64) -> bool {
        if self.is_revoked() {
            return false;
        }
        self.store();
        let metadata = self.state().metadata.clone();
        match self.source.commit_sync(offset, metadata.as_deref()) {
            Ok(()) => true,
            Err(error) => {
                tracing::warn!(
                    topic = self.topic(),
                    partition = self.partition(),
                    offset,
                    %error,
                    "synchronous commit failed"
                );
                false
            }
        }
    }

    fn commit_stored(&self) -> bool {
        if self.is_revoked() {
            return false;
        }
        self.store();
        match self.source.commit_stored() {
            Ok(()) => true,
            Err(error) => {
                tracing::warn!(
                    topic = self.topic(),
                    partition = self.partition(),
                    %error,
                    "commit of the stored offsets failed"
                );
                false
            }
        }
    }

    fn set_metadata(&self, metadata: &str) {
        let mut state = self.state();
        if state.metadata.as_deref() != Some(metadata) {
            state.metadata = Some(Arc::from(metadata));
            state.metadata_changed = true;
        }
    }

    fn metadata(&self) -> Result<Option<String>, String> {
        {
            let state = self.state();
            if let Some(metadata) = &state.metadata {
                return Ok(Some(metadata.to_string()));
            }
            if let Some(committed) = &state.committed_metadata {
                return Ok(committed.clone());
            }
        }
        // Asked without the lock: the listener stores through it every poll.
        let committed = self
            .source
            .committed_metadata()
            .map_err(|error| error.to_string())?;
        let mut state = self.state();
        state.committed_metadata = Some(committed.clone());
        // A metadata set meanwhile is newer than what was committed.
        Ok(state
            .metadata
            .as_ref()
            .map(|metadata| metadata.to_string())
            .or(committed))
    }

    fn request(&self, control: Option<Control>) {
        self.state().control = control;
    }

    fn has_request(&self) -> bool {
        // A resume moves nothing: the batch is marked as usual.
        matches!(
            self.state().control,
            Some(Control::Pause { .. } | Control::Seek { .. })
        )
    }

    fn now(&self) -> SystemTime {
        self.source.now()
    }

    fn insights(&self) -> Option<PartitionStatistics> {
        self.source.insights()
    }
}
