//! Recurring tasks (Karafka Pro's Recurring Tasks): tasks declared in code with a cron
//! expression, each occurrence run by exactly one process of a group.
//!
//! The tasks' state lives in Kafka, in a one-partition topic (`karafka_recurring_tasks_schedules`)
//! consumed by a built-in consumer in its own consumer group (`karafka_recurring_tasks`): only
//! the member that owns the partition runs tasks. On assignment it rebuilds the state (per task:
//! enabled, the latest occurrence handled, the last run) from the latest state record and the
//! commands after it; then, on each periodic tick (`interval`), it runs what is due and writes
//! the state back. Commands (`enable`, `disable`, `trigger`) are records of the same topic, sent
//! by [`Schedule::command`] or `my_app tasks enable NAME`. Each run's outcome (task, time taken,
//! success or failure) is logged to a second topic (`karafka_recurring_tasks_logs`).
//!
//! ```
//! use std::time::Duration;
//! use karafka::recurring_tasks::{RecurringTasks, Task};
//! use karafka::routing::Routes;
//!
//! let routes = Routes::new().recurring_tasks(
//!     RecurringTasks::new().task(
//!         Task::new("cleanup")
//!             .cron("*/5 * * * *")
//!             .run(|_| async { Ok(()) }),
//!     ),
//! );
//! # let _ = routes;
//! ```
//!
//! Guarantees: an occurrence runs on one process; it is recorded when its run ends, and the
//! state is written before the owner hands the partition over, so the next owner does not run it
//! again. A process that dies during a run leaves that occurrence unrecorded and the next owner
//! runs it again: at least once per occurrence. So may one whose owner lost the partition
//! without a handover (it stalled past the session timeout) while running it; a state such an
//! owner writes late, reflecting fewer records than its successor's, is ignored. Occurrences
//! missed while no process owned the schedule run once, as one run for the latest. Runs are
//! sequential on the owner: a slow task delays the others (hand heavy work to a job).

mod commands;
mod consumer;
mod cron;
mod due;
mod error;
mod record;
mod replay;
mod schedule;
mod state;
mod task;
mod version;

pub(crate) use commands::TaskStatus;
pub(crate) use cron::{format_millis, now_millis};
pub use error::TaskError;
pub use record::Command;
pub use schedule::{
    RecurringTasks, Schedule, ALL_TASKS, DEFAULT_GROUP_ID, DEFAULT_INTERVAL, DEFAULT_LOGS_TOPIC,
    DEFAULT_TOPIC, DEFAULT_VERSION,
};
pub use task::{Task, TaskBody, TaskRun};
