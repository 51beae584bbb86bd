//! The recurring tasks of an app: declared with [`RecurringTasks`], checked into a [`Schedule`]
//! when the app is built.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::cron::CronSchedule;
use super::task::{Task, TaskBody};
use super::TaskError;

/// Karafka's `recurring_tasks.group_id` default.
pub const DEFAULT_GROUP_ID: &str = "karafka_recurring_tasks";
/// Karafka's `recurring_tasks.topics.schedules.name` default.
pub const DEFAULT_TOPIC: &str = "karafka_recurring_tasks_schedules";
/// Karafka's `recurring_tasks.topics.logs.name` default.
pub const DEFAULT_LOGS_TOPIC: &str = "karafka_recurring_tasks_logs";
/// The task name a command gives to apply to every task (Karafka's `"*"`).
pub const ALL_TASKS: &str = "*";
/// Karafka's default schedule version (`RecurringTasks.define("1.0.0")`).
pub const DEFAULT_VERSION: &str = "1.0.0";
/// Karafka's `recurring_tasks.interval` default: how often the owner checks for due tasks.
pub const DEFAULT_INTERVAL: Duration = Duration::from_millis(15_000);

/// The recurring tasks of an app and where their state lives (Karafka Pro's Recurring Tasks):
/// routed with [`Routes::recurring_tasks`](crate::routing::Routes::recurring_tasks) or the
/// `recurring_tasks { ... }` block of `routes!`.
///
/// ```
/// use std::time::Duration;
/// use karafka::recurring_tasks::{RecurringTasks, Task};
///
/// let tasks = RecurringTasks::new()
///     .interval(Duration::from_secs(1))
///     .task(Task::new("cleanup").cron("*/5 * * * *").run(|_| async { Ok(()) }));
/// # let _ = tasks;
/// ```
#[derive(Clone)]
pub struct RecurringTasks {
    group_id: String,
    topic: String,
    logs_topic: String,
    interval: Duration,
    version: String,
    tasks: Vec<Task>,
}

impl Default for RecurringTasks {
    fn default() -> Self {
        Self {
            group_id: DEFAULT_GROUP_ID.to_owned(),
            topic: DEFAULT_TOPIC.to_owned(),
            logs_topic: DEFAULT_LOGS_TOPIC.to_owned(),
            interval: DEFAULT_INTERVAL,
            version: DEFAULT_VERSION.to_owned(),
            tasks: Vec::new(),
        }
    }
}

impl RecurringTasks {
    /// No tasks yet, Karafka's group, topic and interval.
    pub fn new() -> Self {
        Self::default()
    }

    /// The consumer group whose one member runs the tasks (default `karafka_recurring_tasks`).
    pub fn group_id(mut self, group_id: impl Into<String>) -> Self {
        self.group_id = group_id.into();
        self
    }

    /// The one-partition topic holding the schedule's state and commands (default
    /// `karafka_recurring_tasks_schedules`); declared for `topics migrate`.
    pub fn topic(mut self, topic: impl Into<String>) -> Self {
        self.topic = topic.into();
        self
    }

    /// The topic each run's outcome is logged to (default `karafka_recurring_tasks_logs`):
    /// task, time taken, success or failure, as JSON keyed by the task; declared for
    /// `topics migrate`.
    pub fn logs_topic(mut self, topic: impl Into<String>) -> Self {
        self.logs_topic = topic.into();
        self
    }

    /// How often the owner checks for due tasks (default 15 s): a task runs up to this late.
    pub fn interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// The schedule's version (default `1.0.0`; dotted numbers, Karafka's `define("1.0.0")`).
    /// Raise it when the tasks change: a process whose version is older than the one the
    /// state was written with runs nothing (it reports an error), so during a rolling deploy
    /// old processes do not run the old schedule once a new one ran.
    pub fn version(mut self, version: impl Into<String>) -> Self {
        self.version = version.into();
        self
    }

    /// Adds a task.
    pub fn task(mut self, task: Task) -> Self {
        self.tasks.push(task);
        self
    }

    /// Checks every task: a valid unique name and a cron expression that parses.
    pub(crate) fn build(self) -> Result<Schedule, TaskError> {
        let mut seen = HashSet::new();
        let tasks = self
            .tasks
            .into_iter()
            .map(|task| {
                if task.name.is_empty()
                    || !task
                        .name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                {
                    return Err(TaskError::InvalidName { task: task.name });
                }
                if !seen.insert(task.name.clone()) {
                    return Err(TaskError::DuplicateTask { task: task.name });
                }
                let expression = task.cron.ok_or_else(|| TaskError::MissingCron {
                    task: task.name.clone(),
                })?;
                let cron =
                    CronSchedule::parse(&expression).map_err(|reason| TaskError::InvalidCron {
                        task: task.name.clone(),
                        expression: expression.clone(),
                        reason,
                    })?;
                Ok(ScheduledTask {
                    name: task.name,
                    cron,
                    body: task.body,
                    enabled: task.enabled,
                    previous_time: task.previous_time.map(system_time_millis),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Schedule {
            group_id: self.group_id,
            topic: self.topic,
            logs_topic: self.logs_topic,
            interval: self.interval,
            version: self.version,
            tasks,
        })
    }
}

/// The checked recurring tasks of an app: [`App::recurring_tasks`](crate::App::recurring_tasks)
/// gives it, to send commands to the owner.
pub struct Schedule {
    pub(crate) group_id: String,
    pub(crate) topic: String,
    pub(crate) logs_topic: String,
    pub(crate) interval: Duration,
    pub(crate) version: String,
    pub(crate) tasks: Vec<ScheduledTask>,
}

impl std::fmt::Debug for Schedule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Schedule")
            .field("group_id", &self.group_id)
            .field("topic", &self.topic)
            .field("logs_topic", &self.logs_topic)
            .field("interval", &self.interval)
            .field("version", &self.version)
            .field("tasks", &self.task_names().collect::<Vec<_>>())
            .finish()
    }
}

/// One checked task.
pub(crate) struct ScheduledTask {
    pub(crate) name: String,
    pub(crate) cron: CronSchedule,
    pub(crate) body: Option<Arc<dyn TaskBody>>,
    /// Enabled before any state says otherwise.
    pub(crate) enabled: bool,
    /// The last run the app declares, in milliseconds.
    pub(crate) previous_time: Option<i64>,
}

impl Schedule {
    /// The consumer group whose one member runs the tasks.
    pub fn group_id(&self) -> &str {
        &self.group_id
    }

    /// The topic holding the state and commands.
    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// The topic runs are logged to.
    pub fn logs_topic(&self) -> &str {
        &self.logs_topic
    }

    /// The schedule's version.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The names of the tasks, in declaration order.
    pub fn task_names(&self) -> impl Iterator<Item = &str> {
        self.tasks.iter().map(|task| task.name.as_str())
    }

    pub(crate) fn find(&self, name: &str) -> Option<&ScheduledTask> {
        self.tasks.iter().find(|task| task.name == name)
    }

    /// [`TaskError::UnknownTask`] unless a task is named `name` or it is [`ALL_TASKS`].
    pub(crate) fn check_known(&self, name: &str) -> Result<(), TaskError> {
        if name == ALL_TASKS || self.find(name).is_some() {
            return Ok(());
        }
        Err(TaskError::UnknownTask {
            task: name.to_owned(),
            known: self.task_names().collect::<Vec<_>>().join(", "),
        })
    }
}

/// `time` in milliseconds since the epoch (0 for a time before it).
pub(crate) fn system_time_millis(time: SystemTime) -> i64 {
    time.duration_since(UNIX_EPOCH).map_or(0, |since| {
        i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
    })
}

/// `millis` since the epoch as a time.
pub(crate) fn millis_system_time(millis: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(u64::try_from(millis).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_cron_names_the_task_and_the_expression() {
        let error = RecurringTasks::new()
            .task(Task::new("ok").cron("* * * * *"))
            .task(Task::new("nightly").cron("every night"))
            .build()
            .err()
            .unwrap();
        let text = error.to_string();
        assert!(
            text.contains("`nightly`") && text.contains("`every night`"),
            "{text}"
        );
    }

    #[test]
    fn names_are_checked() {
        let twice = RecurringTasks::new()
            .task(Task::new("a").cron("* * * * *"))
            .task(Task::new("a").cron("* * * * *"))
            .build();
        assert!(matches!(twice, Err(TaskError::DuplicateTask { task }) if task == "a"));
        let spaced = RecurringTasks::new()
            .task(Task::new("a b").cron("* * * * *"))
            .build();
        assert!(matches!(spaced, Err(TaskError::InvalidName { .. })));
        let no_cron = RecurringTasks::new().task(Task::new("a")).build();
        assert!(matches!(no_cron, Err(TaskError::MissingCron { .. })));
    }
}
