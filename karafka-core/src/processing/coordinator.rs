//! The coordinator of one partition assignment: takes batches from the partition's stream and runs
//! them through the topic's stack one at a time, retrying failures after a backoff.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::task::JoinHandle;
use tower::{Service, ServiceExt};
use tracing::Instrument as _;

use super::{Assignment, PartitionSource, Retry, RunningJob, Scheduler};
use crate::consumer::{find_cause, Control, DispatchError, Panicked, PartitionHandle};
use crate::instrumentation::{Batch, ErrorKind, Event, FailedJob};
use crate::messages::{DecodeError, Message, Messages};
use crate::middleware::{ConsumerStack, SharedConsumer};
use crate::producer::Producer;
use crate::routing::TopicRoute;
use crate::{BoxError, Context, TopicPartition};

/// How long a held partition's pause is set for: it never ends by itself.
const HELD_PAUSE: Duration = Duration::from_secs(365 * 24 * 3600);

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
        for consumer in &consumers {
            if let Err(error) = consumer.lock().await.initialized(&self.partition).await {
                tracing::error!(partition = %self.partition, %error, "initialized hook failed");
            }
        }
        let mut retry: Option<Job> = None;
        loop {
            let job = match retry.take() {
                Some(job) => job,
                None => match self.next_job().await {
                    Some(job) => job,
                    None => break,
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
                if !self.wait_while_held(job.messages.first_offset()).await {
                    break;
                }
                continue;
            };
            if !self.assignment.begin_job() {
                break;
            }
            let (result, restarted) = self.run_job(&mut stack, &job).await;
            drop(running);
            self.assignment.end_job();
            drop(permit);
            self.assignment.store();
            if let Err(error) = result {
                match self.retry_after(job, &error, restarted).await {
                    Some(next) => retry = Some(next),
                    None if stop.is_cancelled() => break,
                    None => {}
                }
            }
            if let Some(control) = self.assignment.take_control() {
                retry = None;
                if !self.apply(control).await {
                    break;
                }
            }
        }
        for consumer in &consumers {
            self.finish(consumer).await;
        }
    }

    async fn next_job(&self) -> Option<Job> {
        let source = self.assignment.source();
        let (messages, gathered) = tokio::select! {
            biased;
            () = self.assignment.stop_token().cancelled() => return None,
            batch = source.next_batch(self.route.max_messages, self.route.max_wait_time) => batch,
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
        Some(Job {
            messages: Messages::new(messages),
            attempt: 1,
        })
    }

    /// Runs `job` through the stack in a `karafka.consume` span; also says whether a layer
    /// restarted the attempts.
    async fn run_job(&self, stack: &mut ConsumerStack, job: &Job) -> (Result<(), BoxError>, bool) {
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
        self.execute(stack, job).instrument(span).await
    }

    /// `job`, as the record of running jobs shows it, starting now.
    fn running_job(&self, job: &Job) -> RunningJob {
        RunningJob {
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

    async fn execute(&self, stack: &mut ConsumerStack, job: &Job) -> (Result<(), BoxError>, bool) {
        let consumer = self.route.consumer_name;
        let monitor = self.scheduler.monitor();
        monitor.emit(|| Event::ConsumeStarted {
            batch: self.batch(job),
        });
        let started = Instant::now();
        let ctx = Context::new(
            job.messages.clone(),
            Arc::clone(&self.assignment) as Arc<dyn PartitionHandle>,
            job.attempt,
            self.producer.clone(),
            self.route.stack.dead_letter_sink(),
            monitor.clone(),
        );
        let restarted = ctx.attempts_restarted();
        let result = match stack.ready().await {
            Ok(service) => service.call(ctx).await,
            Err(error) => Err(error),
        };
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
        self.scheduler
            .tally()
            .batch(job.messages.len(), result.is_ok());
        match &result {
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

    /// After a failed job: the part of the batch not marked, to run again once the backoff
    /// passed. `None` when nothing is left to retry or the assignment stopped meanwhile.
    async fn retry_after(&self, job: Job, error: &BoxError, restarted: bool) -> Option<Job> {
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
        if !self.pause(resume_at, delay, Some(&retry)).await {
            return None;
        }
        Some(Job {
            messages: rest,
            attempt: failures + 1,
        })
    }

    /// Carries out a consumer's pause or seek. `false` when the assignment stopped meanwhile.
    async fn apply(&self, control: Control) -> bool {
        let (offset, pause) = match control {
            Control::Pause { offset, timeout } => (offset, Some(timeout)),
            Control::Seek { offset } => (offset, None),
        };
        if let Err(error) = self.assignment.source().seek(offset) {
            tracing::error!(partition = %self.partition, offset, %error, "seek failed");
        }
        match pause {
            Some(timeout) => self.pause(offset, timeout, None).await,
            None => {
                self.scheduler.monitor().emit(|| Event::Seek {
                    partition: self.partition.clone(),
                    offset,
                });
                true
            }
        }
    }

    /// Pauses the partition for `duration` unless the assignment stops first; `true` when the
    /// whole time passed.
    async fn pause(&self, offset: i64, duration: Duration, retry: Option<&Retry>) -> bool {
        let source = self.assignment.source();
        let monitor = self.scheduler.monitor();
        monitor.emit(|| Event::Paused {
            partition: self.partition.clone(),
            offset,
            timeout: duration,
            manual: retry.is_none(),
        });
        source.pause(tokio::time::Instant::now() + duration, retry);
        let passed = tokio::select! {
            biased;
            () = self.assignment.stop_token().cancelled() => false,
            () = tokio::time::sleep(duration) => true,
        };
        source.resume();
        if passed {
            monitor.emit(|| Event::Resumed {
                partition: self.partition.clone(),
            });
        }
        passed
    }

    /// Whether a command paused this partition or the process is quiet.
    fn is_held(&self) -> bool {
        self.assignment.hold().is_set() || self.scheduler.quiet().is_set()
    }

    /// Pauses the partition until every hold on it is lifted or the assignment stops, to go on
    /// at `offset` (the first of the batch in hand); `true` when it was lifted.
    async fn wait_while_held(&self, offset: Option<i64>) -> bool {
        let source = self.assignment.source();
        if let Some(offset) = offset {
            if let Err(error) = source.seek(offset) {
                tracing::error!(partition = %self.partition, offset, %error, "seek failed");
            }
            self.scheduler.monitor().emit(|| Event::Paused {
                partition: self.partition.clone(),
                offset,
                timeout: Duration::MAX,
                manual: true,
            });
        }
        let monitor = self.scheduler.monitor();
        // Far enough to never end by itself; the hold's lift ends it.
        source.pause(tokio::time::Instant::now() + HELD_PAUSE, None);
        let lifted = async {
            while self.is_held() {
                self.assignment.hold().lifted().await;
                self.scheduler.quiet().lifted().await;
            }
        };
        let passed = tokio::select! {
            biased;
            () = self.assignment.stop_token().cancelled() => false,
            () = lifted => true,
        };
        source.resume();
        if passed {
            monitor.emit(|| Event::Resumed {
                partition: self.partition.clone(),
            });
        }
        passed
    }

    async fn finish(&self, consumer: &SharedConsumer) {
        let mut consumer = consumer.lock().await;
        let leaving = self.assignment.is_leaving();
        let (hook, result) = if leaving {
            ("revoked", consumer.revoked(&self.partition).await)
        } else {
            ("shutdown", consumer.shutdown(&self.partition).await)
        };
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
                tracing::error!(partition = %self.partition, %error, "{hook} hook failed");
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
