//! The process-wide limit on concurrent jobs, the record of running jobs, and the tasks of all
//! partition coordinators.

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::runtime::Handle;
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::{Assignment, Hold, PartitionSource, Tally};
use crate::consumer::Action;
use crate::instrumentation::{AppState, Event, Monitor};
use crate::TopicPartition;

/// A job that is running: a batch, or a consumer's `tick` or `eofed`.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RunningJob {
    /// What runs: [`Action::Consume`] for a batch, [`Action::Tick`] or [`Action::Eofed`].
    pub action: Action,
    /// The subscription group (`<consumer group>/<subscription group>`) it belongs to.
    pub subscription: Arc<str>,
    /// Whether its route allows it to outlive `max.poll.interval.ms`.
    pub long_running: bool,
    /// The consumer's type name.
    pub consumer: &'static str,
    /// The topic of the batch.
    pub topic: String,
    /// The partition of the batch.
    pub partition: i32,
    /// The offset of the batch's first message (-1 for a tick or eofed, which has no batch).
    pub first_offset: i64,
    /// The offset of the batch's last message (-1 for a tick or eofed).
    pub last_offset: i64,
    /// When the job started.
    pub started: Instant,
}

impl fmt::Display for RunningJob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.action != Action::Consume {
            return write!(
                f,
                "{} {} on {}/{} (running for {} ms)",
                self.consumer,
                self.action,
                self.topic,
                self.partition,
                self.started.elapsed().as_millis()
            );
        }
        write!(
            f,
            "{} on {}/{} offsets {} to {} (running for {} ms)",
            self.consumer,
            self.topic,
            self.partition,
            self.first_offset,
            self.last_offset,
            self.started.elapsed().as_millis()
        )
    }
}

/// A critical error that stops the server.
#[derive(Debug, Clone)]
pub(crate) struct CriticalFailure {
    /// The consumer's type name.
    pub(crate) consumer: &'static str,
    /// Where it failed.
    pub(crate) partition: TopicPartition,
    /// The first offset not handled.
    pub(crate) offset: Option<i64>,
    /// The error, as displayed.
    pub(crate) error: String,
}

/// An assignment, as the record of running jobs sees it.
trait Held: Send + Sync {
    /// The partition was handed over without the job (see `Assignment::wind_down`).
    fn is_abandoned(&self) -> bool;
}

impl<S: PartitionSource> Held for Assignment<S> {
    fn is_abandoned(&self) -> bool {
        Assignment::is_abandoned(self)
    }
}

/// A running job and the assignment it runs for.
struct Tracked {
    job: RunningJob,
    assignment: Arc<dyn Held>,
}

struct Inner {
    permits: Arc<Semaphore>,
    /// The running jobs by id; a channel so that [`Scheduler::idle`] can wait for none.
    running: watch::Sender<BTreeMap<u64, Tracked>>,
    next_job: AtomicU64,
    tasks: TaskTracker,
    runtime: Handle,
    shutdown: CancellationToken,
    tally: Tally,
    monitor: Monitor,
    /// Quiet: every partition holds after its running job (see [`Hold`]).
    quiet: Hold,
    /// The first critical error, once one happened.
    critical: Mutex<Option<CriticalFailure>>,
    /// Cancelled by the first critical error.
    critical_raised: CancellationToken,
}

/// Shared by every listener of a server.
#[derive(Clone)]
pub(crate) struct Scheduler(Arc<Inner>);

impl Scheduler {
    pub(crate) fn new(concurrency: usize, runtime: Handle, monitor: Monitor) -> Self {
        Self(Arc::new(Inner {
            permits: Arc::new(Semaphore::new(concurrency)),
            running: watch::Sender::new(BTreeMap::new()),
            next_job: AtomicU64::new(0),
            tasks: TaskTracker::new(),
            runtime,
            shutdown: CancellationToken::new(),
            tally: Tally::default(),
            monitor,
            quiet: Hold::default(),
            critical: Mutex::new(None),
            critical_raised: CancellationToken::new(),
        }))
    }

    /// The listeners of the runtime's events.
    pub(crate) fn monitor(&self) -> &Monitor {
        &self.0.monitor
    }

    /// What the jobs handled since the last summary.
    pub(crate) fn tally(&self) -> &Tally {
        &self.0.tally
    }

    /// Quiet: no partition starts a new job until it is lifted.
    pub(crate) fn quiet(&self) -> &Hold {
        &self.0.quiet
    }

    /// Records a critical error (the first one counts) and wakes [`Scheduler::critical`].
    pub(crate) fn raise_critical(&self, failure: CriticalFailure) {
        // An `Option` replaced whole: consistent even if a holder panicked.
        let mut critical = self
            .0
            .critical
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if critical.is_none() {
            *critical = Some(failure);
        }
        self.0.critical_raised.cancel();
    }

    /// Resolves with the first critical error, once one happened.
    pub(crate) async fn critical(&self) -> Option<CriticalFailure> {
        self.0.critical_raised.cancelled().await;
        self.0
            .critical
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Makes the process quiet (Karafka's quiet mode): emits [`AppState::Quieting`] now and
    /// [`AppState::Quiet`] once no job runs, unless the server begins to shut down first.
    /// Nothing when it was quiet already.
    pub(crate) fn quiet_down(&self) {
        if !self.0.quiet.set(true) {
            return;
        }
        self.0.monitor.emit(|| Event::AppStateChanged {
            state: AppState::Quieting,
        });
        let scheduler = self.clone();
        self.0.runtime.spawn(async move {
            tokio::select! {
                biased;
                () = scheduler.shutdown_token().cancelled() => {}
                () = scheduler.idle() => scheduler.monitor().emit(|| Event::AppStateChanged {
                    state: AppState::Quiet,
                }),
            }
        });
    }

    /// Where quiet mode stands, as [`AppState`] names it: `None` when it was not asked for.
    pub(crate) fn quiet_state(&self) -> Option<AppState> {
        self.0.quiet.is_set().then(|| {
            if self.0.running.borrow().is_empty() {
                AppState::Quiet
            } else {
                AppState::Quieting
            }
        })
    }

    /// Cancelled when the server begins to shut down.
    pub(crate) fn shutdown_token(&self) -> &CancellationToken {
        &self.0.shutdown
    }

    /// Waits for a free job slot. `None` only if the semaphore was closed, which nothing does.
    pub(crate) async fn permit(&self) -> Option<OwnedSemaphorePermit> {
        Arc::clone(&self.0.permits).acquire_owned().await.ok()
    }

    /// Records `job` of `assignment` as running until the returned guard drops; `None`, and
    /// nothing recorded, when the process is quiet. Both are decided under the record's lock,
    /// so once quiet and without jobs, no job starts: [`Scheduler::idle`] stays true.
    pub(crate) fn track<S: PartitionSource>(
        &self,
        job: RunningJob,
        assignment: &Arc<Assignment<S>>,
    ) -> Option<JobGuard> {
        let id = self.0.next_job.fetch_add(1, Ordering::Relaxed);
        let assignment: Arc<dyn Held> = Arc::clone(assignment) as _;
        let tracked = self.0.running.send_if_modified(|running| {
            if self.0.quiet.is_set() {
                return false;
            }
            running.insert(id, Tracked { job, assignment });
            true
        });
        tracked.then(|| JobGuard {
            scheduler: self.clone(),
            id,
        })
    }

    /// Resolves once no job runs (at once when none does).
    pub(crate) async fn idle(&self) {
        let mut running = self.0.running.subscribe();
        // The sender lives in `self`, so the channel cannot close while this waits.
        let _ = running.wait_for(BTreeMap::is_empty).await;
    }

    /// Jobs running now, oldest first.
    pub(crate) fn running(&self) -> Vec<RunningJob> {
        self.0
            .running
            .borrow()
            .values()
            .map(|tracked| tracked.job.clone())
            .collect()
    }

    /// Jobs running now whose partition was not handed over without them at a rebalance, oldest
    /// first. A handed-over job no longer holds its partition: its results are refused anyway.
    pub(crate) fn running_held(&self) -> Vec<RunningJob> {
        self.0
            .running
            .borrow()
            .values()
            .filter(|tracked| !tracked.assignment.is_abandoned())
            .map(|tracked| tracked.job.clone())
            .collect()
    }

    /// The job running now for `assignment`, if any.
    pub(crate) fn running_for<S: PartitionSource>(
        &self,
        assignment: &Arc<Assignment<S>>,
    ) -> Option<RunningJob> {
        self.0
            .running
            .borrow()
            .values()
            .find(|tracked| {
                std::ptr::addr_eq(Arc::as_ptr(&tracked.assignment), Arc::as_ptr(assignment))
            })
            .map(|tracked| tracked.job.clone())
    }

    /// Spawns a coordinator task that shutdown waits for.
    pub(crate) fn spawn<F>(&self, task: F) -> JoinHandle<()>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        self.0.tasks.spawn_on(task, &self.0.runtime)
    }

    /// Resolves once the scheduler was drained (see [`Scheduler::drain`]) and every coordinator
    /// finished, however long after the drain's timeout; pending until then.
    pub(crate) async fn stopped(&self) {
        self.0.tasks.wait().await;
    }

    /// Stops new work and waits up to `timeout` for every coordinator to finish. `true` when all
    /// finished in time.
    pub(crate) async fn drain(&self, timeout: Duration) -> bool {
        self.0.shutdown.cancel();
        self.0.tasks.close();
        tokio::time::timeout(timeout, self.0.tasks.wait())
            .await
            .is_ok()
    }
}

/// Removes a job from the running record when dropped.
pub(crate) struct JobGuard {
    scheduler: Scheduler,
    id: u64,
}

impl Drop for JobGuard {
    fn drop(&mut self) {
        self.scheduler.0.running.send_modify(|running| {
            running.remove(&self.id);
        });
    }
}
