//! The coordinator of one partition assignment: takes batches from the partition's stream and runs
//! them through the topic's stack one at a time (side by side in a stretch under streaming
//! virtual partitions), retrying failures after a backoff.

mod stretch;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::task::JoinHandle;
use tower::{Service, ServiceExt};
use tracing::Instrument as _;

use futures_util::future::BoxFuture;

use super::scheduler::CriticalFailure;
use super::{Assignment, Idle, PartitionSource, Retry, RunningJob, Scheduler, Ticks};
use crate::consumer::{
    find_cause, is_critical, Action, Control, DispatchError, Panicked, PartitionHandle, Streamed,
};
use crate::instrumentation::{Batch, ErrorKind, Event, FailedJob};
use crate::messages::{DecodeError, Message, Messages};
use crate::middleware::{ConsumerStack, Deferred, SharedConsumer};
use crate::offsets::SeekTarget;
use crate::producer::Producer;
use crate::routing::TopicRoute;
use crate::{BoxError, Context, TopicPartition};

/// How long a held partition's pause is set for: it never ends by itself.
const HELD_PAUSE: Duration = Duration::from_secs(365 * 24 * 3600);
/// How many times the committed offset of a transactional route's partition is asked for (each
/// waits up to 10 s) before its first batch runs without that check.
const COMMITTED_FLOOR_ATTEMPTS: u32 = 6;

/// Runs the jobs of one partition assignment, in order.
pub(crate) struct Coordinator<S> {
    subscription: Arc<str>,
    route: Arc<TopicRoute>,
    assignment: Arc<Assignment<S>>,
    scheduler: Scheduler,
    producer: Producer,
    partition: TopicPartition,
    /// Where the consumer instances are published once built, for the registry.
    instances: Instances,
}

/// The consumer instances of a partition's latest assignment, once its coordinator built them.
pub(crate) type Instances = Arc<Mutex<Vec<SharedConsumer>>>;

/// A batch to run, with how many times it was attempted before.
struct Job {
    messages: Messages,
    attempt: u32,
}

/// A job handed to the stack, to be awaited.
struct Call {
    run: BoxFuture<'static, Result<(), BoxError>>,
    /// Set when a layer finished with the failing message (see `Context::restart_attempts`).
    restarted: Arc<AtomicBool>,
}

/// A failed job (or stretch of jobs): what a retry covers, and why.
struct Failure {
    job: Job,
    error: BoxError,
    /// Whether a layer restarted the attempts.
    restarted: bool,
}

/// What the wait for the next batch brought.
enum Next {
    Job(Job),
    /// A tick asked for a pause or seek; the batch being gathered was dropped (the seek reads
    /// it again).
    Control(Control),
    Stopped,
}

/// How a pause ended.
enum Wake {
    /// Its time passed, or its hold was lifted.
    Passed,
    /// A tick during the pause asked for something else (resume, another pause, a seek).
    Control(Control),
    /// The assignment stopped.
    Stopped,
}

/// The hooks of a consumer instance's life, apart from its jobs.
#[derive(Debug, Clone, Copy)]
enum Lifecycle {
    Initialized,
    Revoked,
    Shutdown,
}

impl Lifecycle {
    /// The hook, as a wrap sees it.
    fn action(self) -> Action {
        match self {
            Self::Initialized => Action::Initialized,
            Self::Revoked => Action::Revoked,
            Self::Shutdown => Action::Shutdown,
        }
    }
}

/// This assignment's consumer instances and their tick schedule.
struct Actors {
    consumers: Vec<SharedConsumer>,
    ticks: Ticks,
}

impl<S: PartitionSource> Coordinator<S> {
    /// The coordinator of `assignment`; it publishes its consumer instances to `instances`.
    pub(crate) fn new(
        subscription: Arc<str>,
        route: Arc<TopicRoute>,
        assignment: Arc<Assignment<S>>,
        scheduler: Scheduler,
        producer: Producer,
        instances: Instances,
    ) -> Self {
        let partition = TopicPartition::new(assignment.topic(), assignment.partition());
        Self {
            subscription,
            route,
            assignment,
            scheduler,
            producer,
            partition,
            instances,
        }
    }

    /// Runs until the assignment is revoked or the server shuts down. Starts only after
    /// `previous` (the coordinator of the partition's previous assignment) ended, so two
    /// assignments of one partition never run jobs at the same time.
    pub(crate) async fn run(self, previous: Option<JoinHandle<()>>) {
        if let Some(previous) = previous {
            let _ = previous.await;
        }
        if self.assignment.stop_token().is_cancelled() {
            return;
        }
        // Built here, after the previous assignment's instances got their `revoked` hook, and
        // off the listener thread: user code of the factories never runs in a rebalance callback.
        let (mut stack, consumers) = self.route.stack.build(|| (self.route.consumer)());
        *self
            .instances
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = consumers.clone();
        let actors = Actors {
            consumers,
            ticks: Ticks::new(self.route.periodic, self.route.long_running_job),
        };
        for consumer in &actors.consumers {
            if let Err(error) = self.hook(consumer, Lifecycle::Initialized).await {
                tracing::error!(partition = %self.partition, %error, "initialized hook failed");
            }
        }
        let mut floor = self.committed_floor().await;
        let mut retry: Option<Job> = None;
        loop {
            let job = match retry.take() {
                Some(job) => job,
                None => match self.next_job(&actors).await {
                    Next::Job(job) => {
                        if let Some(committed) = floor {
                            if self.below(&job, committed).await {
                                continue;
                            }
                            floor = None;
                        }
                        job
                    }
                    Next::Control(control) => {
                        // A tick moved the partition on purpose: where it goes stands.
                        floor = None;
                        if !self.apply(control, &actors).await {
                            break;
                        }
                        continue;
                    }
                    Next::Stopped => break,
                },
            };
            let stop = self.assignment.stop_token().clone();
            let permit = tokio::select! {
                biased;
                () = stop.cancelled() => break,
                permit = self.scheduler.permit() => permit,
            };
            let Some(permit) = permit else { break };
            // Checked with a permit in hand, so a hold set while this waited for one counts;
            // quiet is checked as the job is recorded (see `Scheduler::track`).
            let running = if self.assignment.hold().is_set() {
                None
            } else {
                self.scheduler
                    .track(self.running_job(&job), &self.assignment)
            };
            let Some(running) = running else {
                drop(permit);
                // A command's pause, or quiet: nothing of the batch ran, so it is read again
                // once the hold is lifted (a retry starts over at attempt 1).
                match self
                    .wait_while_held(job.messages.first_offset(), &actors)
                    .await
                {
                    Wake::Passed => continue,
                    Wake::Control(control) => {
                        if !self.apply(control, &actors).await {
                            break;
                        }
                        continue;
                    }
                    Wake::Stopped => break,
                }
            };
            if !self.assignment.begin_job() {
                break;
            }
            let ran = if self.route.stack.streams() {
                self.stretch(&mut stack, job, running).await
            } else {
                let (result, restarted) = self.run_job(&mut stack, &job).await;
                drop(running);
                result.map_err(|error| Failure {
                    job,
                    error,
                    restarted,
                })
            };
            self.assignment.end_job();
            drop(permit);
            self.assignment.store();
            actors.ticks.reset();
            if let Err(Failure {
                job,
                error,
                restarted,
            }) = ran
            {
                if Deferred::caused(&error) {
                    // Its batches did not run: they run again at once, as first attempts.
                    retry = self.deferred(job);
                } else if is_critical(error.as_ref(), &self.route.critical) {
                    self.stop_on_critical(&job, &error);
                    stop.cancelled().await;
                    break;
                } else {
                    match self.retry_after(job, &error, restarted, &actors).await {
                        Some(next) => retry = Some(next),
                        None if stop.is_cancelled() => break,
                        None => {}
                    }
                }
            }
            match self.assignment.take_control() {
                // Nothing is paused after a job: a resume changes nothing, and a failed batch
                // is still retried.
                None | Some(Control::Resume) => {}
                Some(control) => {
                    retry = None;
                    if !self.apply(control, &actors).await {
                        break;
                    }
                }
            }
        }
        for consumer in &actors.consumers {
            self.finish(consumer).await;
        }
    }

    /// The partition's committed offset, read once per assignment when the route's producer is
    /// transactional. A transaction holds back the offsets it carries until it ends, and when
    /// the assignment changes meanwhile librdkafka (2.12) can start the partition at
    /// `auto.offset.reset` instead: below the committed offset, whose messages a committed
    /// transaction handled already.
    async fn committed_floor(&self) -> Option<i64> {
        if !self.producer.is_transactional() {
            return None;
        }
        let mut attempt = 1;
        loop {
            let assignment = Arc::clone(&self.assignment);
            let committed = tokio::task::spawn_blocking(move || {
                assignment
                    .source()
                    .committed_offset()
                    .map_err(|error| error.to_string())
            })
            .await
            .unwrap_or_else(|error| Err(error.to_string()));
            match committed {
                Ok(committed) => return committed,
                // The broker answers once the open transaction ends (at the latest after
                // `transaction.timeout.ms`, librdkafka's default 60 s).
                Err(_)
                    if attempt < COMMITTED_FLOOR_ATTEMPTS
                        && !self.assignment.stop_token().is_cancelled() =>
                {
                    attempt += 1;
                }
                Err(error) => {
                    tracing::warn!(
                        partition = %self.partition,
                        %error,
                        "the committed offset could not be read; the partition starts where librdkafka put it"
                    );
                    return None;
                }
            }
        }
    }

    /// Whether `job` starts below the `committed` offset; if so, the partition is moved to it
    /// and the job dropped.
    async fn below(&self, job: &Job, committed: i64) -> bool {
        let Some(first) = job
            .messages
            .first_offset()
            .filter(|first| *first < committed)
        else {
            return false;
        };
        tracing::warn!(
            partition = %self.partition,
            first,
            committed,
            "librdkafka started the partition at offset {first}, below its committed offset {committed} (a transaction held the offsets back); moving to {committed}"
        );
        self.seek(SeekTarget::Offset(committed)).await;
        true
    }

    /// Waits for the next batch, ticking the consumers meanwhile when the route asks for it.
    /// The batch being gathered is kept across ticks (nothing read is dropped), unless a tick
    /// asks for a pause or seek, which reads it again.
    async fn next_job(&self, actors: &Actors) -> Next {
        let source = self.assignment.source();
        let stop = self.assignment.stop_token();
        let (messages, gathered) = loop {
            let batch = source.next_batch(
                self.route.max_messages,
                self.route.max_wait_time,
                self.route.eofed,
            );
            tokio::pin!(batch);
            let (messages, gathered) = loop {
                tokio::select! {
                    biased;
                    () = stop.cancelled() => return Next::Stopped,
                    batch = &mut batch => break batch,
                    () = actors.ticks.due(Idle::Waiting) => {
                        // Nothing is paused, so a resume changes nothing and the batch in hand
                        // stays; a pause or seek reads it again from where it asks.
                        match self.tick(actors).await {
                            None | Some(Control::Resume) => {}
                            Some(control) => return Next::Control(control),
                        }
                    }
                }
            };
            // An empty batch: the partition was read to its end.
            if !messages.is_empty() {
                break (messages, gathered);
            }
            if let Some(control) = self.run_hook(actors, Action::Eofed).await {
                return Next::Control(control);
            }
        };
        tracing::debug!(
            topic = %self.partition.topic,
            partition = self.partition.partition,
            messages = messages.len(),
            elapsed_ms = gathered.as_millis() as u64,
            "Polled {} messages from {} in {} ms",
            messages.len(),
            self.partition,
            gathered.as_millis()
        );
        Next::Job(Job {
            messages: Messages::new(messages),
            attempt: 1,
        })
    }

    /// Runs `hook` on `consumer` through the route's wrap.
    async fn hook(&self, consumer: &SharedConsumer, hook: Lifecycle) -> Result<(), BoxError> {
        let partition = &self.partition;
        let mut consumer = consumer.lock().await;
        let run: BoxFuture<'_, Result<(), BoxError>> = Box::pin(async move {
            match hook {
                Lifecycle::Initialized => consumer.initialized(partition).await,
                Lifecycle::Revoked => consumer.revoked(partition).await,
                Lifecycle::Shutdown => consumer.shutdown(partition).await,
            }
            .map_err(BoxError::from)
        });
        self.wrapped(hook.action(), run).await
    }

    /// Runs `run` (`action` on this partition) inside the route's wrap, if it has one.
    async fn wrapped(
        &self,
        action: Action,
        run: BoxFuture<'_, Result<(), BoxError>>,
    ) -> Result<(), BoxError> {
        match &self.route.wrap {
            Some(wrap) => wrap.wrap(action, &self.partition, run).await,
            None => run.await,
        }
    }

    /// Ticks every consumer instance; what the tick asked for (a pause, a seek, a resume), if
    /// anything.
    async fn tick(&self, actors: &Actors) -> Option<Control> {
        let control = self.run_hook(actors, Action::Tick).await;
        actors.ticks.reset();
        control
    }

    /// Runs the `tick` or `eofed` hook of every consumer instance as one job: it takes a job
    /// slot and counts as the assignment's running job, so a rebalance waits for it. Returns
    /// what the hook asked for (a pause, a seek, a resume), if anything.
    async fn run_hook(&self, actors: &Actors, action: Action) -> Option<Control> {
        let stop = self.assignment.stop_token();
        let permit = tokio::select! {
            biased;
            () = stop.cancelled() => return None,
            permit = self.scheduler.permit() => permit,
        };
        // Quiet refuses the record, like a batch's (see `Scheduler::track`).
        let running = RunningJob {
            action,
            first_offset: -1,
            last_offset: -1,
            ..self.running_job(&Job {
                messages: Messages::new(Vec::new()),
                attempt: 1,
            })
        };
        let running = permit
            .is_some()
            .then(|| self.scheduler.track(running, &self.assignment))
            .flatten()?;
        if !self.assignment.begin_job() {
            return None;
        }
        let started = Instant::now();
        let monitor = self.scheduler.monitor();
        let mut failed = false;
        for consumer in &actors.consumers {
            let mut ctx = Context::for_hook(
                Arc::clone(&self.assignment) as Arc<dyn PartitionHandle>,
                self.producer.clone(),
                self.route.stack.dead_letter_sink(),
                monitor.clone(),
            );
            let mut instance = consumer.lock().await;
            let run: BoxFuture<'_, Result<(), BoxError>> = Box::pin(async move {
                let result = if action == Action::Eofed {
                    instance.eofed(&mut ctx).await
                } else {
                    instance.tick(&mut ctx).await
                };
                result.map_err(BoxError::from)
            });
            let result = self.wrapped(action, run).await;
            if let Err(error) = result {
                failed = true;
                tracing::error!(
                    partition = %self.partition,
                    consumer = self.route.consumer_name,
                    %error,
                    "{action} of {} on {} failed: {error}",
                    self.route.consumer_name,
                    self.partition
                );
                monitor.emit(|| Event::ErrorOccurred {
                    kind: if action == Action::Eofed {
                        ErrorKind::Eofed
                    } else {
                        ErrorKind::Tick
                    },
                    partition: Some(self.partition.clone()),
                    offset: None,
                    error: error.to_string(),
                    job: None,
                });
            }
        }
        drop(running);
        self.assignment.end_job();
        drop(permit);
        self.assignment.store();
        if !failed {
            let partition = self.partition.clone();
            monitor.emit(|| match action {
                Action::Eofed => Event::Eofed { partition },
                _ => Event::Ticked {
                    partition,
                    duration: started.elapsed(),
                },
            });
        }
        self.assignment.take_control()
    }

    /// Runs `job` through the stack; also says whether a layer restarted the attempts.
    async fn run_job(&self, stack: &mut ConsumerStack, job: &Job) -> (Result<(), BoxError>, bool) {
        let call = self.call(stack, job, None).await;
        self.execute(job, call).await
    }

    /// Readies the stack and hands it `job` (in `streamed`'s stretch, if given). The job runs
    /// as the returned call is awaited, apart from the stack, so the next batch can be handed in
    /// while it runs.
    async fn call(&self, stack: &mut ConsumerStack, job: &Job, streamed: Option<Streamed>) -> Call {
        let mut ctx = Context::new(
            job.messages.clone(),
            Arc::clone(&self.assignment) as Arc<dyn PartitionHandle>,
            job.attempt,
            self.producer.clone(),
            self.route.stack.dead_letter_sink(),
            self.scheduler.monitor().clone(),
        );
        if let Some(streamed) = streamed {
            ctx = ctx.streamed(streamed);
        }
        let restarted = ctx.attempts_restarted();
        let run = match stack.ready().await {
            Ok(service) => service.call(ctx),
            Err(error) => Box::pin(std::future::ready(Err(error))),
        };
        Call { run, restarted }
    }

    /// `job`, as the record of running jobs shows it, starting now.
    fn running_job(&self, job: &Job) -> RunningJob {
        RunningJob {
            action: Action::Consume,
            subscription: Arc::clone(&self.subscription),
            long_running: self.route.long_running_job,
            consumer: self.route.consumer_name,
            topic: self.partition.topic.clone(),
            partition: self.partition.partition,
            first_offset: job.messages.first_offset().unwrap_or_default(),
            last_offset: job.messages.last_offset().unwrap_or_default(),
            started: Instant::now(),
        }
    }

    /// Runs `job`'s `call` in a `karafka.consume` span, with its events; also says whether a
    /// layer restarted the attempts.
    async fn execute(&self, job: &Job, call: Call) -> (Result<(), BoxError>, bool) {
        let span = tracing::debug_span!(
            "karafka.consume",
            otel.kind = "consumer",
            group = %self.subscription,
            consumer = self.route.consumer_name,
            topic = %self.partition.topic,
            partition = self.partition.partition,
            first_offset = job.messages.first_offset(),
            last_offset = job.messages.last_offset(),
            size = job.messages.len(),
            attempt = job.attempt,
        );
        #[cfg(feature = "opentelemetry")]
        crate::instrumentation::opentelemetry::continue_traces(&span, job.messages.iter());
        self.execute_in_span(job, call).instrument(span).await
    }

    async fn execute_in_span(&self, job: &Job, call: Call) -> (Result<(), BoxError>, bool) {
        let consumer = self.route.consumer_name;
        let monitor = self.scheduler.monitor();
        monitor.emit(|| Event::ConsumeStarted {
            batch: self.batch(job),
        });
        let started = Instant::now();
        let Call { run, restarted } = call;
        let result = self.wrapped(Action::Consume, run).await;
        let duration = started.elapsed();
        if self.assignment.is_abandoned() {
            tracing::warn!(
                topic = %self.partition.topic,
                partition = self.partition.partition,
                first_offset = job.messages.first_offset(),
                last_offset = job.messages.last_offset(),
                elapsed_ms = duration.as_millis() as u64,
                "Consume job for {consumer} on {} ended after {} ms, after its partition was \
                 handed over without it: nothing it marked was committed",
                self.partition,
                duration.as_millis()
            );
        }
        let deferred = result.as_ref().is_err_and(Deferred::caused);
        if !deferred {
            self.scheduler
                .tally()
                .batch(job.messages.len(), result.is_ok());
        }
        match &result {
            // Not run: nothing of it failed, and it runs again after the failed batch's retry.
            Err(_) if deferred => {}
            Ok(()) => {
                monitor.emit(|| Event::Consumed {
                    batch: self.batch(job),
                    duration,
                    latency: job.messages.first().and_then(Message::timestamp).and_then(
                        |created| self.assignment.source().now().duration_since(created).ok(),
                    ),
                })
            }
            Err(error) => monitor.emit(|| Event::ErrorOccurred {
                kind: error_kind(error),
                partition: Some(self.partition.clone()),
                offset: self.resume_at(job),
                error: error.to_string(),
                job: Some(FailedJob {
                    batch: self.batch(job),
                    duration,
                }),
            }),
        }
        (result, restarted.load(Ordering::Relaxed))
    }

    /// `job`, as events describe it.
    fn batch(&self, job: &Job) -> Batch {
        Batch {
            group: self.subscription.to_string(),
            consumer: self.route.consumer_name,
            partition: self.partition.clone(),
            first_offset: job.messages.first_offset().unwrap_or_default(),
            last_offset: job.messages.last_offset().unwrap_or_default(),
            size: job.messages.len(),
            attempt: job.attempt,
        }
    }

    /// Where a retry of the failed `job` starts: its first message not marked.
    fn resume_at(&self, job: &Job) -> Option<i64> {
        let first = job.messages.first_offset()?;
        Some(
            self.assignment
                .next_unmarked()
                .map_or(first, |next| next.max(first)),
        )
    }

    /// After a stretch whose later batches did not run (an earlier one failed, and a layer
    /// finished with its failure): the part not marked, to run again at once.
    fn deferred(&self, job: Job) -> Option<Job> {
        if self.assignment.is_revoked() {
            return None;
        }
        let rest = job.messages.from_offset(self.resume_at(&job)?);
        (!rest.is_empty()).then_some(Job {
            messages: rest,
            attempt: 1,
        })
    }

    /// After a failed job: the part of the batch not marked, to run again once the backoff
    /// passed. `None` when nothing is left to retry or the assignment stopped meanwhile.
    async fn retry_after(
        &self,
        job: Job,
        error: &BoxError,
        restarted: bool,
        actors: &Actors,
    ) -> Option<Job> {
        if self.assignment.is_revoked() {
            return None;
        }
        let resume_at = self.resume_at(&job)?;
        let rest = job.messages.from_offset(resume_at);
        if rest.is_empty() {
            return None;
        }
        // A layer that finished with the failing message (a dead-letter dispatch) makes this
        // failure the first of the next message.
        let failures = if restarted { 1 } else { job.attempt };
        let delay = self.route.backoff.delay(failures);
        self.scheduler.monitor().emit(|| Event::Retry {
            partition: self.partition.clone(),
            offset: resume_at,
            attempt: failures + 1,
            backoff: delay,
        });
        let retry = Retry {
            offset: resume_at,
            attempt: failures,
            error: error.to_string(),
        };
        match self.pause(resume_at, delay, Some(&retry), actors).await {
            Wake::Passed => Some(Job {
                messages: rest,
                attempt: failures + 1,
            }),
            // A tick during the backoff paused or moved the partition: what it asked replaces
            // the retry.
            Wake::Control(control) => {
                self.assignment.request(Some(control));
                None
            }
            Wake::Stopped => None,
        }
    }

    /// Carries out what a consumer asked for, and what its ticks during a pause ask next.
    /// `false` when the assignment stopped meanwhile.
    async fn apply(&self, control: Control, actors: &Actors) -> bool {
        let mut next = Some(control);
        while let Some(control) = next.take() {
            let wake = match control {
                // Nothing is paused: a resume changes nothing.
                Control::Resume => Wake::Passed,
                Control::Seek { to } => {
                    self.seek(to).await;
                    Wake::Passed
                }
                Control::Pause {
                    offset,
                    timeout: Some(timeout),
                } => {
                    if let Err(error) = self.assignment.source().seek(offset) {
                        tracing::error!(partition = %self.partition, offset, %error, "seek failed");
                    }
                    self.pause(offset, timeout, None, actors).await
                }
                Control::Pause {
                    offset,
                    timeout: None,
                } => {
                    self.assignment.hold().set(true);
                    self.wait_while_held(Some(offset), actors).await
                }
            };
            match wake {
                Wake::Passed => {}
                Wake::Control(control) => next = Some(control),
                Wake::Stopped => return false,
            }
        }
        true
    }

    /// Moves the partition's read position to `to`, resolved against the broker.
    async fn seek(&self, to: SeekTarget) {
        let assignment = Arc::clone(&self.assignment);
        let resolved = match to {
            SeekTarget::Offset(offset) => Ok(offset),
            target => tokio::task::spawn_blocking(move || {
                assignment
                    .source()
                    .resolve(target)
                    .map_err(|error| error.to_string())
            })
            .await
            .unwrap_or_else(|error| Err(error.to_string())),
        };
        let offset = match resolved {
            Ok(offset) => offset,
            Err(error) => {
                tracing::error!(partition = %self.partition, ?to, %error, "seek failed: the broker did not say where {to:?} is");
                return;
            }
        };
        if let Err(error) = self.assignment.source().seek(offset) {
            tracing::error!(partition = %self.partition, offset, %error, "seek failed");
            return;
        }
        self.scheduler.monitor().emit(|| Event::Seek {
            partition: self.partition.clone(),
            offset,
        });
    }

    /// Pauses the partition for `duration`, ticking meanwhile when the route asks for it.
    async fn pause(
        &self,
        offset: i64,
        duration: Duration,
        retry: Option<&Retry>,
        actors: &Actors,
    ) -> Wake {
        let source = self.assignment.source();
        let monitor = self.scheduler.monitor();
        monitor.emit(|| Event::Paused {
            partition: self.partition.clone(),
            offset,
            timeout: duration,
            manual: retry.is_none(),
        });
        source.pause(tokio::time::Instant::now() + duration, retry);
        let idle = if retry.is_some() {
            Idle::Retrying
        } else {
            Idle::Paused
        };
        let wake = match self.idle(tokio::time::sleep(duration), idle, actors).await {
            // A tick's resume ends the pause early.
            Wake::Control(Control::Resume) => Wake::Passed,
            wake => wake,
        };
        source.resume();
        if !matches!(wake, Wake::Stopped) {
            monitor.emit(|| Event::Resumed {
                partition: self.partition.clone(),
            });
        }
        wake
    }

    /// Waits for `until`, ticking meanwhile when the route ticks while idle this way. A tick
    /// that asks for anything ends the wait.
    async fn idle(
        &self,
        until: impl std::future::Future<Output = ()>,
        idle: Idle,
        actors: &Actors,
    ) -> Wake {
        tokio::pin!(until);
        let stop = self.assignment.stop_token();
        loop {
            tokio::select! {
                biased;
                () = stop.cancelled() => return Wake::Stopped,
                () = &mut until => return Wake::Passed,
                () = actors.ticks.due(idle) => {
                    if let Some(control) = self.tick(actors).await {
                        return Wake::Control(control);
                    }
                }
            }
        }
    }

    /// Whether a command paused this partition or the process is quiet.
    fn is_held(&self) -> bool {
        self.assignment.hold().is_set() || self.scheduler.quiet().is_set()
    }

    /// Pauses the partition until every hold on it is lifted or the assignment stops, to go on
    /// at `offset` (the first of the batch in hand, if any). A tick's resume lifts the
    /// partition's own hold; anything else it asks ends the wait.
    async fn wait_while_held(&self, offset: Option<i64>, actors: &Actors) -> Wake {
        let source = self.assignment.source();
        let monitor = self.scheduler.monitor();
        if let Some(offset) = offset {
            if let Err(error) = source.seek(offset) {
                tracing::error!(partition = %self.partition, offset, %error, "seek failed");
            }
            monitor.emit(|| Event::Paused {
                partition: self.partition.clone(),
                offset,
                timeout: Duration::MAX,
                manual: true,
            });
        }
        // Far enough to never end by itself; the hold's lift ends it.
        source.pause(tokio::time::Instant::now() + HELD_PAUSE, None);
        let lifted = async {
            while self.is_held() {
                self.assignment.hold().lifted().await;
                self.scheduler.quiet().lifted().await;
            }
        };
        tokio::pin!(lifted);
        let wake = loop {
            match self.idle(&mut lifted, Idle::Paused, actors).await {
                Wake::Control(Control::Resume) => {
                    self.assignment.hold().set(false);
                }
                wake => break wake,
            }
        };
        source.resume();
        if !matches!(wake, Wake::Stopped) {
            monitor.emit(|| Event::Resumed {
                partition: self.partition.clone(),
            });
        }
        wake
    }

    /// Reports a critical failure of `job` and asks the server to stop; the batch stays
    /// unmarked, so it is consumed again after the restart.
    fn stop_on_critical(&self, job: &Job, error: &BoxError) {
        let offset = self.resume_at(job);
        tracing::error!(
            partition = %self.partition,
            consumer = self.route.consumer_name,
            offset,
            %error,
            "Critical error in {} on {} at offset {}: stopping the server: {error}",
            self.route.consumer_name,
            self.partition,
            offset.unwrap_or_default()
        );
        self.scheduler.monitor().emit(|| Event::ErrorOccurred {
            kind: ErrorKind::Critical,
            partition: Some(self.partition.clone()),
            offset,
            error: error.to_string(),
            job: None,
        });
        self.scheduler.raise_critical(CriticalFailure {
            consumer: self.route.consumer_name,
            partition: self.partition.clone(),
            offset,
            error: error.to_string(),
        });
    }

    async fn finish(&self, consumer: &SharedConsumer) {
        let leaving = self.assignment.is_leaving();
        let hook = if leaving {
            Lifecycle::Revoked
        } else {
            Lifecycle::Shutdown
        };
        let result = self.hook(consumer, hook).await;
        match result {
            Ok(()) => self.scheduler.monitor().emit(|| {
                let partition = self.partition.clone();
                if leaving {
                    Event::ConsumerRevoked { partition }
                } else {
                    Event::ConsumerShutdown { partition }
                }
            }),
            Err(error) => {
                tracing::error!(
                    partition = %self.partition,
                    %error,
                    "{} hook failed",
                    hook.action()
                );
            }
        }
    }
}

/// What kind of failure `error` is, for [`Event::ErrorOccurred`].
fn error_kind(error: &BoxError) -> ErrorKind {
    let error: &(dyn std::error::Error + 'static) = error.as_ref();
    if find_cause::<Panicked>(error).is_some() {
        ErrorKind::Panic
    } else if find_cause::<DecodeError>(error).is_some() {
        ErrorKind::Decode
    } else if find_cause::<DispatchError>(error).is_some() {
        ErrorKind::DeadLetterWrite
    } else {
        ErrorKind::Consume
    }
}
