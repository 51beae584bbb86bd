//! The coordinator of one partition assignment: takes batches from the partition's stream and runs
//! them through the topic's stack one at a time, retrying failures after a backoff.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Mutex;
use tokio::task::JoinHandle;
use tower::{Service, ServiceExt};

use super::consumer_service::{ConsumerService, SharedConsumer};
use super::{Assignment, Control, RunningJob, Scheduler};
use crate::messages::Messages;
use crate::middleware::virtual_partitions::VirtualPartitionsService;
use crate::middleware::ConsumerStack;
use crate::producer::Producer;
use crate::routing::TopicRoute;
use crate::{BoxError, Context, TopicPartition};

/// Runs the jobs of one partition assignment, in order.
pub(crate) struct Coordinator {
    subscription: Arc<str>,
    route: Arc<TopicRoute>,
    assignment: Arc<Assignment>,
    scheduler: Scheduler,
    producer: Producer,
    partition: TopicPartition,
}

/// A batch to run, with how many times it was attempted before.
struct Job {
    messages: Messages,
    attempt: u32,
}

impl Coordinator {
    pub(crate) fn new(
        subscription: Arc<str>,
        route: Arc<TopicRoute>,
        assignment: Arc<Assignment>,
        scheduler: Scheduler,
        producer: Producer,
    ) -> Self {
        let origin = assignment.origin();
        let partition = TopicPartition::new(&origin.topic, origin.partition);
        Self {
            subscription,
            route,
            assignment,
            scheduler,
            producer,
            partition,
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
        let (mut stack, consumers) = self.stack();
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
            let stop = self.assignment.stop_token();
            let permit = tokio::select! {
                biased;
                () = stop.cancelled() => break,
                permit = self.scheduler.permit() => permit,
            };
            let Some(permit) = permit else { break };
            if !self.assignment.begin_job() {
                break;
            }
            let result = self.run_job(&mut stack, &job).await;
            self.assignment.end_job();
            drop(permit);
            self.assignment.store();
            if let Err(error) = result {
                match self.retry_after(job, &error).await {
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

    /// The topic's stack and its consumer instances: one, or one per virtual partition.
    fn stack(&self) -> (ConsumerStack, Vec<SharedConsumer>) {
        let new_consumer = || -> SharedConsumer { Arc::new(Mutex::new((self.route.consumer)())) };
        let service = |consumer: &SharedConsumer| {
            ConsumerStack::new(ConsumerService::new(
                Arc::clone(consumer),
                self.route.manual_offset_management,
            ))
        };
        let (innermost, consumers) = match &self.route.virtual_partitions {
            Some((settings, count)) => {
                let consumers: Vec<SharedConsumer> = (0..*count).map(|_| new_consumer()).collect();
                let stacks = consumers.iter().map(service).collect();
                let virtual_partitions =
                    VirtualPartitionsService::new(stacks, Arc::clone(settings));
                (ConsumerStack::new(virtual_partitions), consumers)
            }
            None => {
                let consumer = new_consumer();
                (service(&consumer), vec![consumer])
            }
        };
        let stack = self
            .route
            .layers
            .iter()
            .fold(innermost, |stack, layer| layer(stack));
        (stack, consumers)
    }

    async fn next_job(&self) -> Option<Job> {
        let stream = self.assignment.stream();
        let (messages, gathered) = tokio::select! {
            biased;
            () = self.assignment.stop_token().cancelled() => return None,
            batch = stream.next_batch(self.route.max_messages, self.route.max_wait_time) => batch,
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

    async fn run_job(&self, stack: &mut ConsumerStack, job: &Job) -> Result<(), BoxError> {
        let consumer = self.route.consumer_name;
        let _running = self.scheduler.track(
            RunningJob {
                subscription: Arc::clone(&self.subscription),
                long_running: self.route.long_running_job,
                consumer,
                topic: self.partition.topic.clone(),
                partition: self.partition.partition,
                started: Instant::now(),
            },
            &self.assignment,
        );
        let (first_offset, last_offset) = (job.messages.first_offset(), job.messages.last_offset());
        tracing::debug!(
            topic = %self.partition.topic,
            partition = self.partition.partition,
            messages = job.messages.len(),
            first_offset,
            last_offset,
            attempt = job.attempt,
            "Consume job for {consumer} on {} started",
            self.partition
        );
        let started = Instant::now();
        let ctx = Context::new(
            job.messages.clone(),
            Arc::clone(&self.assignment),
            job.attempt,
            self.producer.clone(),
            self.route.dead_letter.clone(),
        );
        let result = match stack.ready().await {
            Ok(service) => service.call(ctx).await,
            Err(error) => Err(error),
        };
        let elapsed = started.elapsed().as_millis();
        let elapsed_ms = elapsed as u64;
        let (topic, partition) = (&self.partition.topic, self.partition.partition);
        if self.assignment.is_abandoned() {
            tracing::warn!(
                %topic,
                partition,
                first_offset,
                last_offset,
                elapsed_ms,
                "Consume job for {consumer} on {} ended after {elapsed} ms, after its partition was \
                 handed over without it: nothing it marked was committed",
                self.partition
            );
        }
        self.scheduler
            .tally()
            .batch(job.messages.len(), result.is_ok());
        match &result {
            Ok(()) => tracing::debug!(
                %topic,
                partition,
                first_offset,
                last_offset,
                elapsed_ms,
                "Consume job for {consumer} on {} finished in {elapsed} ms",
                self.partition
            ),
            Err(error) => tracing::error!(
                %topic,
                partition,
                first_offset,
                last_offset,
                elapsed_ms,
                attempt = job.attempt,
                %error,
                "Consume job for {consumer} on {} failed after {elapsed} ms",
                self.partition
            ),
        }
        result
    }

    /// After a failed job: the part of the batch not marked, to run again once the backoff
    /// passed. `None` when nothing is left to retry or the assignment stopped meanwhile.
    async fn retry_after(&self, job: Job, error: &BoxError) -> Option<Job> {
        if self.assignment.is_revoked() {
            return None;
        }
        let first = job.messages.first_offset()?;
        let resume_at = self
            .assignment
            .next_unmarked()
            .map_or(first, |next| next.max(first));
        let rest = job.messages.from_offset(resume_at);
        if rest.is_empty() {
            return None;
        }
        // A layer that finished with the failing message (a dead-letter dispatch) makes this
        // failure the first of the next message.
        let failures = if self.assignment.take_attempts_restart() {
            1
        } else {
            job.attempt
        };
        let delay = self.route.backoff.delay(failures);
        tracing::warn!(
            topic = %self.partition.topic,
            partition = self.partition.partition,
            offset = resume_at,
            backoff_ms = delay.as_millis() as u64,
            attempt = failures + 1,
            %error,
            "Pausing {} at offset {resume_at} for {} ms after the error; then retrying (attempt {})",
            self.partition,
            delay.as_millis(),
            failures + 1
        );
        if !self.sleep(delay).await {
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
        if let Err(error) = self.assignment.stream().seek(offset) {
            tracing::error!(partition = %self.partition, offset, %error, "seek failed");
        }
        match pause {
            Some(timeout) => {
                tracing::info!(
                    "Pausing {} for {} ms as the consumer asked; resuming at offset {offset}",
                    self.partition,
                    timeout.as_millis()
                );
                self.sleep(timeout).await
            }
            None => {
                tracing::info!("Seeking {} to offset {offset}", self.partition);
                true
            }
        }
    }

    /// Sleeps unless the assignment stops first; `true` when the whole time passed.
    async fn sleep(&self, duration: Duration) -> bool {
        tokio::select! {
            biased;
            () = self.assignment.stop_token().cancelled() => false,
            () = tokio::time::sleep(duration) => true,
        }
    }

    async fn finish(&self, consumer: &SharedConsumer) {
        let mut consumer = consumer.lock().await;
        let (hook, result) = if self.assignment.is_leaving() {
            ("revoked", consumer.revoked(&self.partition).await)
        } else {
            ("shutdown", consumer.shutdown(&self.partition).await)
        };
        if let Err(error) = result {
            tracing::error!(partition = %self.partition, %error, "{hook} hook failed");
        }
    }
}
