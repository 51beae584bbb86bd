//! What can be wrong with recurring tasks: a declaration, or a command's target.

/// A recurring task that cannot be scheduled, or a command naming no task.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TaskError {
    /// A task's cron expression does not parse.
    #[error("recurring task `{task}`: invalid cron expression `{expression}`: {reason}")]
    InvalidCron {
        /// The task.
        task: String,
        /// The expression as given.
        expression: String,
        /// The parser's complaint.
        reason: String,
    },
    /// A task declared without a cron expression.
    #[error(
        "recurring task `{task}` has no cron expression: set one with `cron: \"*/5 * * * *\"`"
    )]
    MissingCron {
        /// The task.
        task: String,
    },
    /// A task name Karafka does not accept (letters, digits, `_` and `-`).
    #[error("recurring task name `{task}` is invalid: use letters, digits, `_` and `-`")]
    InvalidName {
        /// The name.
        task: String,
    },
    /// Two tasks with one name.
    #[error("recurring task `{task}` is declared twice")]
    DuplicateTask {
        /// The name.
        task: String,
    },
    /// A command names a task the schedule does not have.
    #[error("no recurring task `{task}` (tasks: {known})")]
    UnknownTask {
        /// The name given.
        task: String,
        /// The tasks of the schedule, comma-separated.
        known: String,
    },
    /// The app routes no recurring tasks, so there is nothing to command or list.
    #[error("the app declares no recurring tasks: add a `recurring_tasks` block to its routes")]
    NotConfigured,
    /// A command could not be produced to the schedules topic.
    #[error("recurring tasks: could not send `{command}` for `{task}` to `{topic}`: {source}")]
    Send {
        /// The command.
        command: &'static str,
        /// The task.
        task: String,
        /// The schedules topic.
        topic: String,
        /// The producer's error (boxed: it is large, and rare).
        source: Box<crate::producer::ProduceError>,
    },
}
