//! The records of the schedules topic (Karafka's serializer): schedule states and commands, as
//! JSON, keyed as Karafka keys them (`state:schedule`, `command:NAME:TASK`) so compaction keeps
//! the latest of each.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The format of the records; records of another format are skipped.
pub(crate) const SCHEMA_VERSION: &str = "1.0";

/// The key of every schedule state.
pub(crate) const STATE_KEY: &str = "state:schedule";

/// One record of the schedules topic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub(crate) enum Record {
    /// The whole state, written by the owner after each change.
    Schedule(Snapshot),
    /// A command for one task, from `tasks enable|disable|trigger` or app code.
    Command(CommandRecord),
    /// A run's outcome, on the logs topic.
    Log(LogRecord),
}

/// The state of every task, and how far the commands it reflects go.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Snapshot {
    pub(crate) schema_version: String,
    /// The version of the schedule that wrote it.
    pub(crate) schedule_version: String,
    /// When it was written, in milliseconds since the epoch.
    pub(crate) dispatched_at: i64,
    /// The offset of the last record the owner had read: commands at or before it are in
    /// `tasks`, later ones are not.
    pub(crate) applied_through: Option<i64>,
    pub(crate) tasks: BTreeMap<String, TaskSnapshot>,
}

/// One task in a [`Snapshot`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct TaskSnapshot {
    /// The cron expression (informative: the code's expression is the one used).
    pub(crate) cron: String,
    pub(crate) enabled: bool,
    /// The latest occurrence handled, in milliseconds: later ones are due.
    pub(crate) last_occurrence: i64,
    /// When it last ran, in milliseconds; `None` if never.
    pub(crate) previous_time: Option<i64>,
    /// Its next occurrence when the state was written, in milliseconds.
    pub(crate) next_time: Option<i64>,
}

/// One run's outcome (Karafka's log record).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct LogRecord {
    pub(crate) schema_version: String,
    /// When the run ended, in milliseconds since the epoch.
    pub(crate) dispatched_at: i64,
    pub(crate) task: TaskLog,
}

/// The task part of a [`LogRecord`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct TaskLog {
    pub(crate) id: String,
    /// How long the run took, in milliseconds.
    pub(crate) time_taken: u64,
    pub(crate) result: RunResult,
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum RunResult {
    Success,
    /// An error or a panic.
    Failure,
}

/// A command for one task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct CommandRecord {
    pub(crate) schema_version: String,
    /// When it was sent, in milliseconds since the epoch.
    pub(crate) dispatched_at: i64,
    pub(crate) command: CommandName,
    pub(crate) task: TaskId,
}

/// `{"name": "enable"}`, Karafka's shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct CommandName {
    pub(crate) name: Command,
}

/// `{"id": "cleanup"}`, Karafka's shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct TaskId {
    pub(crate) id: String,
}

/// What a command does to its task (Karafka's `enable`, `disable`, `trigger`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Command {
    /// Occurrences run again (those missed while disabled do not).
    Enable,
    /// Occurrences are skipped until enabled.
    Disable,
    /// Runs the task at once, enabled or not; its scheduled occurrences are unchanged.
    Trigger,
}

impl Command {
    /// The command's name, as the command line and the records spell it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Enable => "enable",
            Self::Disable => "disable",
            Self::Trigger => "trigger",
        }
    }
}

impl Record {
    /// The command `command` for task `task`, sent at `now`.
    pub(crate) fn command(command: Command, task: &str, now: i64) -> Self {
        Self::Command(CommandRecord {
            schema_version: SCHEMA_VERSION.to_owned(),
            dispatched_at: now,
            command: CommandName { name: command },
            task: TaskId {
                id: task.to_owned(),
            },
        })
    }

    /// The log of a run of `task` that took `time_taken` ms and ended with `result` at `now`.
    pub(crate) fn log(task: &str, time_taken: u64, result: RunResult, now: i64) -> Self {
        Self::Log(LogRecord {
            schema_version: SCHEMA_VERSION.to_owned(),
            dispatched_at: now,
            task: TaskLog {
                id: task.to_owned(),
                time_taken,
                result,
            },
        })
    }

    /// The record's key: compaction keeps the latest state and the latest of each command; a
    /// log is keyed by its task.
    pub(crate) fn key(&self) -> String {
        match self {
            Self::Schedule(_) => STATE_KEY.to_owned(),
            Self::Log(log) => log.task.id.clone(),
            Self::Command(command) => {
                format!(
                    "command:{}:{}",
                    command.command.name.name(),
                    command.task.id
                )
            }
        }
    }

    /// Decodes a payload; `None` for one of another format or schema version (written by a
    /// different version of the framework), which is skipped.
    pub(crate) fn decode(payload: &[u8]) -> Option<Self> {
        let record: Self = serde_json::from_slice(payload).ok()?;
        let version = match &record {
            Self::Schedule(snapshot) => &snapshot.schema_version,
            Self::Command(command) => &command.schema_version,
            Self::Log(log) => &log.schema_version,
        };
        (version == SCHEMA_VERSION).then_some(record)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_command_round_trips_in_karafkas_shape() {
        let record = Record::command(Command::Trigger, "cleanup", 7);
        let json = serde_json::to_value(&record).unwrap();
        assert_eq!(json["type"], "command");
        assert_eq!(json["command"]["name"], "trigger");
        assert_eq!(json["task"]["id"], "cleanup");
        assert_eq!(record.key(), "command:trigger:cleanup");
        let payload = serde_json::to_vec(&record).unwrap();
        assert_eq!(Record::decode(&payload), Some(record));
    }

    #[test]
    fn a_log_has_karafkas_shape() {
        let log = Record::log("cleanup", 12, RunResult::Failure, 7);
        let json = serde_json::to_value(&log).unwrap();
        assert_eq!(json["type"], "log");
        assert_eq!(json["task"]["id"], "cleanup");
        assert_eq!(json["task"]["time_taken"], 12);
        assert_eq!(json["task"]["result"], "failure");
        assert_eq!(log.key(), "cleanup");
    }

    #[test]
    fn another_schema_version_or_garbage_is_skipped() {
        let mut record = Record::command(Command::Enable, "a", 1);
        if let Record::Command(command) = &mut record {
            command.schema_version = "9.0".into();
        }
        assert_eq!(Record::decode(&serde_json::to_vec(&record).unwrap()), None);
        assert_eq!(Record::decode(b"{not json"), None);
    }
}
