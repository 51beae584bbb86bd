//! One assignment of a partition to this process: who owns it, what was marked, what the consumer
//! asked for (pause, seek).
//!
//! Marks are recorded here at once and handed to librdkafka's offset store in bulk: after each
//! job, every listener poll (100 ms) and before any commit. Storing per mark would cost a
//! librdkafka topic lookup per message; a mark not stored yet is only ever re-consumed, never
//! lost. Ownership and marks share one lock, so a mark and a revocation never interleave: once
//! [`Assignment::revoke`] returned, no later mark reaches librdkafka, and the commit made on
//! revocation covers every mark made before it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

use crate::connection::PartitionStream;
use crate::messages::Origin;
use crate::offsets::OffsetTracker;

/// What a consumer asked to happen to its partition once its job returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Control {
    /// Resume from `offset` after `timeout`.
    Pause { offset: i64, timeout: Duration },
    /// Resume from `offset` at once.
    Seek { offset: i64 },
}

#[derive(Debug, Default)]
struct State {
    revoked: bool,
    offsets: OffsetTracker,
    control: Option<Control>,
    /// A layer finished with the failing message (e.g. dispatched it): attempts count anew.
    attempts_restarted: bool,
    /// The offset last handed to librdkafka's store (the next offset to consume).
    stored: Option<i64>,
    /// A job of this assignment is running.
    job_running: bool,
    /// No new job may start: the partition is being handed over.
    winding_down: bool,
}

/// One partition, owned by this process from an assignment until its revocation.
pub(crate) struct Assignment {
    stream: Arc<PartitionStream>,
    state: Mutex<State>,
    /// Signals the end of a job, for [`Assignment::wind_down`].
    job_ended: Condvar,
    /// Mirrors `state.revoked` for lock-free reads by long jobs.
    revoked: AtomicBool,
    /// The partition was handed over while a job still ran: that job's results are refused.
    abandoned: AtomicBool,
    /// The consumer was seen marking messages before it failed.
    marks_as_it_goes: AtomicBool,
    /// Cancelled on revocation and on shutdown: stop fetching and waiting.
    stop: CancellationToken,
}

impl Assignment {
    pub(crate) fn new(stream: Arc<PartitionStream>, stop: CancellationToken) -> Self {
        Self {
            stream,
            state: Mutex::new(State::default()),
            job_ended: Condvar::new(),
            revoked: AtomicBool::new(false),
            abandoned: AtomicBool::new(false),
            marks_as_it_goes: AtomicBool::new(false),
            stop,
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // The lock guards plain data that every writer leaves consistent, so a panic elsewhere
        // while holding it cannot leave it half-updated.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn origin(&self) -> &Arc<Origin> {
        self.stream.origin()
    }

    pub(crate) fn stream(&self) -> &PartitionStream {
        &self.stream
    }

    pub(crate) fn stop_token(&self) -> &CancellationToken {
        &self.stop
    }

    /// Marks `offset` as handled and stores it. `false` once the partition is no longer owned.
    pub(crate) fn mark(&self, offset: i64) -> bool {
        let mut state = self.state();
        if state.revoked {
            return false;
        }
        state.offsets.mark(offset);
        true
    }

    /// Hands the latest mark to librdkafka's offset store, which its next commit takes.
    pub(crate) fn store(&self) {
        let mut state = self.state();
        Self::store_locked(&self.stream, &mut state);
    }

    /// Stores the next offset to consume when it moved: the first unmarked one, or past the
    /// transaction markers that follow it when the partition was read that far.
    fn store_locked(stream: &PartitionStream, state: &mut State) {
        let Some(next) = state.offsets.next_unmarked().filter(|_| !state.revoked) else {
            return;
        };
        let next = stream.committable(next);
        if state.stored.is_some_and(|stored| stored >= next) {
            return;
        }
        state.stored = Some(next);
        if let Err(error) = stream.store(next - 1) {
            tracing::warn!(
                topic = %stream.origin().topic,
                partition = stream.origin().partition,
                offset = next - 1,
                %error,
                "offset not stored: the partition is no longer assigned"
            );
        }
    }

    /// Commits up to `offset` (inclusive) and waits for the broker. Blocks.
    pub(crate) fn commit_sync(&self, offset: i64) -> bool {
        if self.is_revoked() {
            return false;
        }
        self.store();
        match self.stream.commit_sync(offset) {
            Ok(()) => true,
            Err(error) => {
                tracing::warn!(
                    topic = %self.origin().topic,
                    partition = self.origin().partition,
                    offset,
                    %error,
                    "synchronous commit failed"
                );
                false
            }
        }
    }

    /// The next offset to consume as last handed to librdkafka's store, if any.
    pub(crate) fn stored(&self) -> Option<i64> {
        self.state().stored
    }

    /// The first offset not marked in this assignment, if anything was marked.
    pub(crate) fn next_unmarked(&self) -> Option<i64> {
        self.state().offsets.next_unmarked()
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

    /// The partition was taken away: store what was marked (the commit on revocation takes it),
    /// then refuse marks and stop the coordinator.
    pub(crate) fn revoke(&self) {
        let mut state = self.state();
        Self::store_locked(&self.stream, &mut state);
        state.revoked = true;
        drop(state);
        self.revoked.store(true, Ordering::Release);
        self.stop.cancel();
    }

    pub(crate) fn is_revoked(&self) -> bool {
        self.revoked.load(Ordering::Acquire)
    }

    /// The partition was handed over while a job still ran (see [`Assignment::wind_down`]).
    pub(crate) fn is_abandoned(&self) -> bool {
        self.abandoned.load(Ordering::Acquire)
    }

    /// The partition is being handed over or was taken away, as opposed to a shutdown. Unlike
    /// [`Assignment::is_revoked`] it holds from the start of [`Assignment::wind_down`], which
    /// already stops the coordinator while the revocation is still to come.
    pub(crate) fn is_leaving(&self) -> bool {
        let state = self.state();
        state.winding_down || state.revoked
    }

    pub(crate) fn request(&self, control: Control) {
        self.state().control = Some(control);
    }

    pub(crate) fn note_marks_as_it_goes(&self) {
        self.marks_as_it_goes.store(true, Ordering::Relaxed);
    }

    pub(crate) fn marks_as_it_goes(&self) -> bool {
        self.marks_as_it_goes.load(Ordering::Relaxed)
    }

    pub(crate) fn restart_attempts(&self) {
        self.state().attempts_restarted = true;
    }

    /// Whether attempts were restarted since the last call.
    pub(crate) fn take_attempts_restart(&self) -> bool {
        std::mem::take(&mut self.state().attempts_restarted)
    }

    pub(crate) fn has_control(&self) -> bool {
        self.state().control.is_some()
    }

    pub(crate) fn take_control(&self) -> Option<Control> {
        self.state().control.take()
    }
}
