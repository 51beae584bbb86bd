//! The built-in consumer of the schedules topic (Karafka's recurring tasks consumer): the one
//! member of the tasks' consumer group that owns the topic's one partition rebuilds the state,
//! then runs each due occurrence and writes the state back.
//!
//! Offsets: on each schedule state read, the message before it is marked, so a new owner's
//! replay starts at the latest state the old one wrote; commands after it are read again and
//! applied unless that state reflects them.
//!
//! A run is recorded after it ends, and the state is written (awaiting the broker) before the
//! tick or batch ends; a graceful handover waits for it, so the next owner never reruns a
//! recorded occurrence. A process that dies mid-run leaves it unrecorded: the next owner runs
//! that occurrence again (at least once per occurrence). A state written late by an owner that
//! lost the partition reflects fewer records than its successor's and is ignored on replay.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Instant;

use async_trait::async_trait;
use futures_util::FutureExt as _;

use super::cron::now_millis;
use super::record::{Record, RunResult};
use super::replay::Replay;
use super::schedule::{millis_system_time, Schedule};
use super::state::{Due, ScheduleState};
use super::task::TaskRun;
use crate::consumer::{Consumer, Context};
use crate::messages::Message;
use crate::producer::Record as ProducedRecord;

/// Where the owner is: reading back the state, running the tasks, or idle because the state was
/// written by a newer schedule.
enum Phase {
    Replaying(Replay),
    /// The state's schedule version is newer than this process's: it runs nothing.
    Outdated,
    Running {
        state: ScheduleState,
        /// The state changed since it was last written.
        unsaved: bool,
    },
}

/// The schedules topic's consumer, one per assignment of its partition.
pub(crate) struct TasksConsumer {
    schedule: Arc<Schedule>,
    phase: Phase,
    /// The last message read, marked when a schedule state follows it.
    previous: Option<Message>,
}

impl TasksConsumer {
    pub(crate) fn new(schedule: Arc<Schedule>) -> Self {
        Self {
            schedule,
            phase: Phase::Replaying(Replay::default()),
            previous: None,
        }
    }

    /// Runs what is due and writes the state if it changed. An error is the state's write; the
    /// next batch or tick writes it again.
    async fn run_due(&mut self, ctx: &Context) -> anyhow::Result<()> {
        let Phase::Running { state, unsaved } = &mut self.phase else {
            return Ok(());
        };
        if ctx.revoked() {
            return Ok(());
        }
        for due in state.due(&self.schedule, now_millis()) {
            let started = now_millis();
            run_task(&self.schedule, &due, ctx).await;
            state.ran(&due, started);
            *unsaved = true;
        }
        // Written even if the partition was taken away meanwhile: runs that happened are
        // recorded, so the next owner (which reads the state once the handover is done) skips
        // them.
        if *unsaved {
            let snapshot = Record::Schedule(state.snapshot(&self.schedule, now_millis()));
            let record = ProducedRecord::json(&self.schedule.topic, &snapshot)?
                .key(snapshot.key())
                .partition(0);
            ctx.producer().produce_sync(record).await?;
            *unsaved = false;
        }
        Ok(())
    }
}

/// Runs one task's body, turning a panic into a failure, and logs the outcome (also to the logs
/// topic): the occurrence counts as run either way.
async fn run_task(schedule: &Schedule, due: &Due, ctx: &Context) {
    let body = schedule.find(&due.name).and_then(|task| task.body.clone());
    let run = TaskRun {
        name: due.name.clone(),
        occurrence: due.occurrence.map(millis_system_time),
        producer: ctx.producer().clone(),
    };
    let started = Instant::now();
    let outcome = match body {
        Some(body) => AssertUnwindSafe(body.run(run)).catch_unwind().await,
        // A task without a body only records its occurrences (and logs them).
        None => Ok(Ok(())),
    };
    let time_taken = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let result = match outcome {
        Ok(Ok(())) => {
            tracing::info!(task = %due.name, time_taken, "recurring task ran");
            RunResult::Success
        }
        Ok(Err(error)) => {
            tracing::error!(task = %due.name, error = format!("{error:#}"), "recurring task failed");
            RunResult::Failure
        }
        Err(_) => {
            tracing::error!(task = %due.name, "recurring task panicked");
            RunResult::Failure
        }
    };
    let log = Record::log(&due.name, time_taken, result, now_millis());
    dispatch_log(ctx, &schedule.logs_topic, &log).await;
}

/// Produces a run's log without waiting for the broker: a log lost (e.g. the logs topic missing)
/// is reported, never a reason to run the task again.
async fn dispatch_log(ctx: &Context, topic: &str, log: &Record) {
    let produced = match ProducedRecord::json(topic, log) {
        Ok(record) => record.key(log.key()),
        Err(error) => {
            tracing::warn!(topic, error = %error, "recurring task log not encoded");
            return;
        }
    };
    match ctx.producer().produce_async(produced).await {
        Ok(delivery) => {
            let topic = topic.to_owned();
            tokio::spawn(async move {
                if let Err(error) = delivery.await {
                    tracing::warn!(topic, error = %error, "recurring task log not delivered");
                }
            });
        }
        Err(error) => tracing::warn!(topic, error = %error, "recurring task log not sent"),
    }
}

#[async_trait]
impl Consumer for TasksConsumer {
    async fn consume(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        for message in ctx.messages() {
            let record = message.raw_payload().and_then(Record::decode);
            let offset = message.offset();
            match (&mut self.phase, record) {
                (_, None) => tracing::warn!(
                    topic = message.topic(),
                    offset,
                    "skipping a record of the recurring tasks topic that is not of this version"
                ),
                (Phase::Replaying(replay), Some(record)) => {
                    let is_state = matches!(record, Record::Schedule(_));
                    replay.read(offset, record);
                    if is_state {
                        mark_before(ctx, self.previous.as_ref());
                    }
                }
                (Phase::Running { state, unsaved }, Some(record)) => {
                    match record {
                        Record::Command(command) => {
                            state.apply(&command);
                            *unsaved = true;
                        }
                        // This owner's own writes (or a late one of the previous owner's).
                        Record::Schedule(_) => mark_before(ctx, self.previous.as_ref()),
                        // Logs have a topic of their own.
                        Record::Log(_) => {}
                    }
                    state.read(offset);
                }
                (Phase::Outdated, Some(_)) => {}
            }
            self.previous = Some(message.clone());
        }
        self.run_due(ctx).await
    }

    async fn eofed(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        if let Phase::Replaying(replay) = &mut self.phase {
            if let Some(stored) = replay.newer_version(&self.schedule) {
                let error = anyhow::anyhow!(
                    "recurring tasks: the schedule state in `{}` was written by schedule version \
                     {stored}, newer than this process's {}; this process runs no task",
                    self.schedule.topic,
                    self.schedule.version
                );
                self.phase = Phase::Outdated;
                return Err(error);
            }
            let state = std::mem::take(replay).finish(&self.schedule, now_millis());
            tracing::info!(
                topic = %self.schedule.topic,
                tasks = state.tasks.len(),
                "recurring tasks schedule restored"
            );
            self.phase = Phase::Running {
                state,
                unsaved: true,
            };
        }
        self.run_due(ctx).await
    }

    async fn tick(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        self.run_due(ctx).await
    }
}

/// Marks the message read before a schedule state, so a replay starts at that state.
fn mark_before(ctx: &Context, previous: Option<&Message>) {
    if let Some(previous) = previous {
        ctx.mark_as_consumed(previous);
    }
}
