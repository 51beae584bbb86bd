//! The schedule's state (Karafka's executor): per task whether it is enabled, the latest
//! occurrence handled and when it last ran; which tasks were triggered; how far the commands it
//! reflects go. Pure: the consumer does the reading, running and writing.

use std::collections::{BTreeMap, BTreeSet};

use super::due::due_occurrence;
use super::record::{Command, CommandRecord, Snapshot, TaskSnapshot, SCHEMA_VERSION};
use super::schedule::{Schedule, ALL_TASKS};

/// One task's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TaskState {
    pub(crate) enabled: bool,
    /// The latest occurrence handled (run, or before the task was known or enabled).
    pub(crate) last_occurrence: i64,
    /// When it last ran; `None` if never.
    pub(crate) previous_time: Option<i64>,
}

/// A run to make now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Due {
    pub(crate) name: String,
    /// The occurrence it is for; `None` for a trigger alone.
    pub(crate) occurrence: Option<i64>,
}

/// Every task's state.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct ScheduleState {
    pub(crate) tasks: BTreeMap<String, TaskState>,
    /// Tasks triggered and not run yet.
    pub(crate) triggered: BTreeSet<String>,
    /// The offset of the last record read.
    pub(crate) applied_through: Option<i64>,
}

impl ScheduleState {
    /// The state of a schedule no record speaks of: each task as declared, counting occurrences
    /// from its declared previous time or `now`.
    pub(crate) fn initial(schedule: &Schedule, now: i64) -> Self {
        let tasks = schedule
            .tasks
            .iter()
            .map(|task| {
                let state = TaskState {
                    enabled: task.enabled,
                    last_occurrence: task.previous_time.unwrap_or(now),
                    previous_time: None,
                };
                (task.name.clone(), state)
            })
            .collect();
        Self {
            tasks,
            ..Self::default()
        }
    }

    /// Takes what `snapshot` says of the tasks the schedule still has; tasks it does not name
    /// keep their initial state.
    pub(crate) fn restore(&mut self, snapshot: &Snapshot) {
        for (name, stored) in &snapshot.tasks {
            if let Some(state) = self.tasks.get_mut(name) {
                *state = TaskState {
                    enabled: stored.enabled,
                    last_occurrence: stored.last_occurrence,
                    previous_time: stored.previous_time,
                };
            }
        }
        self.applied_through = snapshot.applied_through;
    }

    /// The record at `offset` was read.
    pub(crate) fn read(&mut self, offset: i64) {
        self.applied_through = Some(offset);
    }

    /// Applies a command to its task, or to every task for [`ALL_TASKS`]; one for a task the
    /// schedule does not have changes nothing. Enabling skips the occurrences up to when the
    /// command was sent.
    pub(crate) fn apply(&mut self, command: &CommandRecord) {
        let target = command.task.id.as_str();
        let names: Vec<String> = self
            .tasks
            .keys()
            .filter(|name| target == ALL_TASKS || name.as_str() == target)
            .cloned()
            .collect();
        for name in names {
            self.apply_to(&name, command);
        }
    }

    fn apply_to(&mut self, name: &str, command: &CommandRecord) {
        let Some(state) = self.tasks.get_mut(name) else {
            return;
        };
        match command.command.name {
            Command::Enable => {
                if !state.enabled {
                    state.enabled = true;
                    state.last_occurrence = state.last_occurrence.max(command.dispatched_at);
                }
            }
            Command::Disable => state.enabled = false,
            Command::Trigger => {
                self.triggered.insert(name.to_owned());
            }
        }
    }

    /// The runs due at `now`, in the schedule's order: triggered tasks and enabled tasks with an
    /// occurrence due (one run each, for both).
    pub(crate) fn due(&self, schedule: &Schedule, now: i64) -> Vec<Due> {
        schedule
            .tasks
            .iter()
            .filter_map(|task| {
                let state = self.tasks.get(&task.name)?;
                let occurrence =
                    due_occurrence(&task.cron, state.enabled, state.last_occurrence, now);
                (occurrence.is_some() || self.triggered.contains(&task.name)).then(|| Due {
                    name: task.name.clone(),
                    occurrence,
                })
            })
            .collect()
    }

    /// `due` ran, starting at `at`.
    pub(crate) fn ran(&mut self, due: &Due, at: i64) {
        self.triggered.remove(&due.name);
        if let Some(state) = self.tasks.get_mut(&due.name) {
            if let Some(occurrence) = due.occurrence {
                state.last_occurrence = state.last_occurrence.max(occurrence);
            }
            state.previous_time = Some(at);
        }
    }

    /// The next occurrence of task `name` that will run: `None` while disabled.
    pub(crate) fn next_time(&self, schedule: &Schedule, name: &str) -> Option<i64> {
        let task = schedule.find(name)?;
        let state = self.tasks.get(name)?;
        state
            .enabled
            .then(|| task.cron.next_after(state.last_occurrence))
            .flatten()
    }

    /// The state as a record, written at `now`.
    pub(crate) fn snapshot(&self, schedule: &Schedule, now: i64) -> Snapshot {
        let tasks = schedule
            .tasks
            .iter()
            .filter_map(|task| {
                let state = self.tasks.get(&task.name)?;
                let stored = TaskSnapshot {
                    cron: task.cron.expression().to_owned(),
                    enabled: state.enabled,
                    last_occurrence: state.last_occurrence,
                    previous_time: state.previous_time,
                    next_time: self.next_time(schedule, &task.name),
                };
                Some((task.name.clone(), stored))
            })
            .collect();
        Snapshot {
            schema_version: SCHEMA_VERSION.to_owned(),
            schedule_version: schedule.version.clone(),
            dispatched_at: now,
            applied_through: self.applied_through,
            tasks,
        }
    }
}
