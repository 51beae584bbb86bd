//! One recurring task as declared in code: its name, cron expression and body.

use std::future::Future;
use std::sync::Arc;
use std::time::SystemTime;

use futures_util::future::BoxFuture;

use crate::producer::Producer;

/// What a task's body is handed when it runs.
#[derive(Clone)]
#[non_exhaustive]
pub struct TaskRun {
    /// The task's name.
    pub name: String,
    /// The cron occurrence this run is for; `None` for a run asked by `trigger` alone.
    pub occurrence: Option<SystemTime>,
    /// The app's producer.
    pub producer: Producer,
}

/// A task's body: async app code, run by the process that owns the schedule.
///
/// Implemented for every `Fn(TaskRun) -> impl Future<Output = anyhow::Result<()>>` closure; an
/// error or a panic is logged and the occurrence still counts as run (nothing is retried).
pub trait TaskBody: Send + Sync + 'static {
    /// Runs the task once.
    fn run(&self, run: TaskRun) -> BoxFuture<'static, anyhow::Result<()>>;
}

impl<F, Fut> TaskBody for F
where
    F: Fn(TaskRun) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = anyhow::Result<()>> + Send + 'static,
{
    fn run(&self, run: TaskRun) -> BoxFuture<'static, anyhow::Result<()>> {
        Box::pin(self(run))
    }
}

/// A recurring task (Karafka's `schedule(id:, cron:)`): runs on each occurrence of its cron
/// expression on exactly one process of the group.
///
/// ```
/// use karafka::recurring_tasks::Task;
///
/// let task = Task::new("cleanup")
///     .cron("*/5 * * * *")
///     .run(|run| async move {
///         tracing::info!(task = %run.name, "cleaning up");
///         Ok(())
///     });
/// # let _ = task;
/// ```
#[derive(Clone)]
pub struct Task {
    pub(crate) name: String,
    pub(crate) cron: Option<String>,
    pub(crate) body: Option<Arc<dyn TaskBody>>,
    pub(crate) enabled: bool,
    pub(crate) previous_time: Option<SystemTime>,
}

impl Task {
    /// A task named `name` (letters, digits, `_`, `-`): the name commands and `tasks list` use.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            cron: None,
            body: None,
            enabled: true,
            previous_time: None,
        }
    }

    /// When it runs: a cron expression of five fields (`*/5 * * * *`) or six with seconds first
    /// (`*/10 * * * * *`), evaluated in UTC. Checked when the app is built.
    pub fn cron(mut self, expression: impl Into<String>) -> Self {
        self.cron = Some(expression.into());
        self
    }

    /// What it runs: an async closure. A task without a body only records its occurrences.
    pub fn run<F, Fut>(self, run: F) -> Self
    where
        F: Fn(TaskRun) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = anyhow::Result<()>> + Send + 'static,
    {
        self.body(run)
    }

    /// What it runs: a [`TaskBody`] (a type of the app's, or a closure as in [`Task::run`]).
    pub fn body(mut self, body: impl TaskBody) -> Self {
        self.body = Some(Arc::new(body));
        self
    }

    /// Whether it runs before any command says otherwise (default yes). Once a schedule state is
    /// in Kafka, the state decides.
    pub fn enabled(mut self, enabled: bool) -> Self {
        self.enabled = enabled;
        self
    }

    /// When it last ran, as far as the app knows before any state is in Kafka: an occurrence
    /// after it and already past runs at once. By default occurrences count from the moment the
    /// schedule state is first made.
    pub fn previous_time(mut self, previous_time: SystemTime) -> Self {
        self.previous_time = Some(previous_time);
        self
    }
}
