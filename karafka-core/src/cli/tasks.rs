//! `tasks list | enable NAME | disable NAME | trigger NAME`: the recurring tasks, read from and
//! commanded through their schedules topic.

use anyhow::Context as _;
use clap::Subcommand;

use crate::admin::Admin;
use crate::recurring_tasks::{format_millis, now_millis, Command, Schedule, TaskError, TaskStatus};
use crate::App;

#[derive(Debug, Subcommand)]
pub(super) enum TasksCommand {
    /// Print each recurring task: whether it is enabled, when it last ran, when it runs next
    /// (UTC) and its cron expression, as the schedules topic has them.
    List,
    /// Let a disabled task run again from its next occurrence.
    Enable {
        /// The task, or `*` for every task.
        name: String,
    },
    /// Stop a task's runs until it is enabled.
    Disable {
        /// The task, or `*` for every task.
        name: String,
    },
    /// Run a task now, enabled or not.
    Trigger {
        /// The task, or `*` for every task.
        name: String,
    },
}

pub(super) async fn run(app: &App, command: &TasksCommand) -> anyhow::Result<u8> {
    let schedule = app.recurring_tasks().ok_or(TaskError::NotConfigured)?;
    let (command, name) = match command {
        TasksCommand::List => {
            let statuses = read_statuses(app, &schedule).await?;
            print_statuses(&statuses);
            return Ok(0);
        }
        TasksCommand::Enable { name } => (Command::Enable, name),
        TasksCommand::Disable { name } => (Command::Disable, name),
        TasksCommand::Trigger { name } => (Command::Trigger, name),
    };
    schedule.command(app.producer(), command, name).await?;
    println!("- {} {name}", command.name());
    Ok(0)
}

/// The tasks' statuses from the schedules topic: its records from the tasks group's committed
/// offset (where the latest state is) or its start, to its end.
async fn read_statuses(app: &App, schedule: &Schedule) -> anyhow::Result<Vec<TaskStatus>> {
    let admin = Admin::new(app.config())?;
    let topic = schedule.topic();
    // First, as it tells a missing topic apart from unreachable brokers.
    let committed = admin
        .lag(schedule.group_id(), topic)
        .await
        .context("the recurring tasks' schedules topic (`topics migrate` creates it)")?
        .into_iter()
        .find(|lag| lag.partition == 0)
        .and_then(|lag| lag.committed);
    let (low, high) = admin.watermarks(topic, 0).await?;
    let start = committed.map_or(low, |offset| offset.max(low));
    let count = usize::try_from(high - start).unwrap_or_default();
    let messages = admin.read_topic(topic, 0, start, count).await?;
    Ok(schedule.statuses(&messages, now_millis()))
}

fn print_statuses(statuses: &[TaskStatus]) {
    println!(
        "{:<24} {:<8} {:<21} {:<21} cron",
        "task", "enabled", "last run", "next run"
    );
    let time = |millis: Option<i64>| millis.map_or_else(|| "-".to_owned(), format_millis);
    for status in statuses {
        println!(
            "{:<24} {:<8} {:<21} {:<21} {}",
            status.name,
            if status.enabled { "yes" } else { "no" },
            time(status.previous_time),
            time(status.next_time),
            status.cron
        );
    }
}
