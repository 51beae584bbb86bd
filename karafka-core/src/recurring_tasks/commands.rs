//! Commands to the owner of the schedule, through the schedules topic (Karafka's
//! `RecurringTasks.enable(id)`, `disable`, `trigger`), and the status the topic holds.

use std::sync::Arc;

use super::cron::now_millis;
use super::record::{Command, Record};
use super::replay::Replay;
use super::schedule::Schedule;
use super::TaskError;
use crate::consumer::Consumer;
use crate::messages::Message;
use crate::producer::{Producer, Record as ProducedRecord};

/// One task as the schedules topic has it, for `tasks list`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TaskStatus {
    pub(crate) name: String,
    pub(crate) cron: String,
    pub(crate) enabled: bool,
    /// When it last ran, in milliseconds.
    pub(crate) previous_time: Option<i64>,
    /// Its next occurrence to run, in milliseconds: `None` while disabled.
    pub(crate) next_time: Option<i64>,
}

impl Schedule {
    /// Sends `command` for task `name` ([`ALL_TASKS`](super::ALL_TASKS), `"*"`, for every task)
    /// to the process that owns the schedule and waits for the broker to take it; the owner
    /// applies it when it reads it.
    ///
    /// # Errors
    /// [`TaskError::UnknownTask`] naming `name` when no task has it, [`TaskError::Send`] when
    /// the broker did not take the command.
    pub async fn command(
        &self,
        producer: &Producer,
        command: Command,
        name: &str,
    ) -> Result<(), TaskError> {
        self.check_known(name)?;
        let record = Record::command(command, name, now_millis());
        let send_error = |source| TaskError::Send {
            command: command.name(),
            task: name.to_owned(),
            topic: self.topic.clone(),
            source: Box::new(source),
        };
        let produced = ProducedRecord::json(&self.topic, &record)
            .map_err(send_error)?
            .key(record.key())
            .partition(0);
        producer.produce_sync(produced).await.map_err(send_error)?;
        Ok(())
    }

    /// Enables task `name`; see [`Schedule::command`].
    ///
    /// # Errors
    /// As [`Schedule::command`].
    pub async fn enable(&self, producer: &Producer, name: &str) -> Result<(), TaskError> {
        self.command(producer, Command::Enable, name).await
    }

    /// Disables task `name`; see [`Schedule::command`].
    ///
    /// # Errors
    /// As [`Schedule::command`].
    pub async fn disable(&self, producer: &Producer, name: &str) -> Result<(), TaskError> {
        self.command(producer, Command::Disable, name).await
    }

    /// Runs task `name` at once; see [`Schedule::command`].
    ///
    /// # Errors
    /// As [`Schedule::command`].
    pub async fn trigger(&self, producer: &Producer, name: &str) -> Result<(), TaskError> {
        self.command(producer, Command::Trigger, name).await
    }

    /// Each task's status after the schedules topic's `messages` (read from the group's
    /// committed offset, or the start), at `now`.
    pub(crate) fn statuses(&self, messages: &[Message], now: i64) -> Vec<TaskStatus> {
        let mut replay = Replay::default();
        for message in messages {
            if let Some(record) = message.raw_payload().and_then(Record::decode) {
                replay.read(message.offset(), record);
            }
        }
        let state = replay.finish(self, now);
        self.tasks
            .iter()
            .filter_map(|task| {
                let stored = state.tasks.get(&task.name)?;
                Some(TaskStatus {
                    name: task.name.clone(),
                    cron: task.cron.expression().to_owned(),
                    enabled: stored.enabled,
                    previous_time: stored.previous_time,
                    next_time: state.next_time(self, &task.name),
                })
            })
            .collect()
    }

    /// The consumer of the schedules topic, one per assignment.
    pub(crate) fn consumer(self: &Arc<Self>) -> impl Consumer {
        super::consumer::TasksConsumer::new(Arc::clone(self))
    }
}
