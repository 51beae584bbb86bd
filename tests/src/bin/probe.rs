//! A test app run as a real process by the integration tests (kill, terminate, exit codes, the
//! command line).
//!
//! Settings come from `KARAFKA_*` variables. `PROBE_TOPIC` names the topic (declared with
//! `PROBE_PARTITIONS` partitions and the topic-level setting `PROBE_SETTING=key=value`, if set),
//! `PROBE_SECOND_TOPIC` an optional second one, `PROBE_PATTERN` an optional pattern route. `PROBE_LOG` names a file that gets one
//! `topic partition offset` line per handled message (written before the message is marked), and
//! `PROBE_SLEEP_MS` an await per message that makes batches slow. `PROBE_VIRTUAL=n` consumes with
//! `n` virtual partitions by key. `PROBE_DLQ` names the topic's dead-letter target, and
//! `PROBE_DECLARE=name:partitions` a topic declared apart from the routes (nothing consumes it).
//! `PROBE_SCHEDULES` names a schedules topic routed with the built-in consumer of scheduled
//! messages, in the consumer group `PROBE_SCHEDULES_GROUP`.
//! `PROBE_TASKS=group:topic:name=cron;...` adds recurring tasks (empty bodies) in `group` on `topic`.
//! `PROBE_OTHER_TOPIC` routes a topic on another cluster, whose brokers `PROBE_OTHER_CLUSTER`
//! names, with the dead-letter target `PROBE_OTHER_DLQ` (if set).
//!
//! Its command line also has karafka-web's `web` and `dlq` commands (`web install`, `dlq list`,
//! ...), whose `[web]` settings come from `KARAFKA_WEB__*` variables.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use karafka::middleware::{DeadLetterQueue, VirtualPartitions};
use karafka::recurring_tasks::{RecurringTasks, Task};
use karafka::routing::{Routes, ScheduledMessages, Topic, TopicConfig};
use karafka::{async_trait, App, Config, Consumer, Context};

struct Probe {
    log: Arc<File>,
    sleep: Duration,
}

#[async_trait]
impl Consumer for Probe {
    async fn consume(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        for message in ctx.messages() {
            tokio::time::sleep(self.sleep).await;
            let line = format!(
                "{} {} {}\n",
                message.topic(),
                message.partition(),
                message.offset()
            );
            // One write per line, so a kill never leaves half a line.
            (&*self.log).write_all(line.as_bytes())?;
        }
        Ok(())
    }
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

fn app() -> anyhow::Result<App> {
    let topic = var("PROBE_TOPIC").context("PROBE_TOPIC is required")?;
    let log_path = var("PROBE_LOG").unwrap_or_else(|| "/dev/null".into());
    let sleep = Duration::from_millis(
        var("PROBE_SLEEP_MS")
            .map_or(Ok(0), |ms| ms.parse())
            .context("PROBE_SLEEP_MS")?,
    );
    let partitions = var("PROBE_PARTITIONS")
        .map_or(Ok(1), |n| n.parse())
        .context("PROBE_PARTITIONS")?;
    let mut declared = TopicConfig::new().partitions(partitions);
    if let Some((key, value)) = var("PROBE_SETTING")
        .as_deref()
        .and_then(|s| s.split_once('='))
    {
        declared = declared.setting(key, value);
    }
    let log = Arc::new(
        OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log_path)?,
    );
    let probe = move || Probe {
        log: Arc::clone(&log),
        sleep,
    };
    let mut main = Topic::new(topic)
        .config(declared)
        .consumer_with(probe.clone());
    if let Some(count) = var("PROBE_VIRTUAL") {
        let by_key = VirtualPartitions::new(|m| m.key().map(<[u8]>::to_vec));
        main =
            main.virtual_partitions(by_key.max_partitions(count.parse().context("PROBE_VIRTUAL")?));
    }
    if let Some(dead_letter) = var("PROBE_DLQ") {
        main = main.dead_letter_queue(DeadLetterQueue::new(dead_letter));
    }
    let mut routes = Routes::new().topic(main);
    if let Some(declared) = var("PROBE_DECLARE") {
        let (name, partitions) = declared
            .split_once(':')
            .context("PROBE_DECLARE is name:partitions")?;
        let partitions = partitions.parse().context("PROBE_DECLARE's partitions")?;
        routes = routes.declare(name, TopicConfig::new().partitions(partitions));
    }
    if let Some(second) = var("PROBE_SECOND_TOPIC") {
        routes = routes.topic(Topic::new(second).consumer_with(probe.clone()));
    }
    if let Some(schedules) = var("PROBE_SCHEDULES") {
        let group = var("PROBE_SCHEDULES_GROUP").context("PROBE_SCHEDULES_GROUP is required")?;
        routes = routes.scheduled_messages(ScheduledMessages::new(schedules).group_id(group));
    }
    if let Some(pattern) = var("PROBE_PATTERN") {
        routes = routes.topic(Topic::pattern(pattern).consumer_with(probe.clone()));
    }
    if let Some(other) = var("PROBE_OTHER_TOPIC") {
        let servers = var("PROBE_OTHER_CLUSTER").context("PROBE_OTHER_CLUSTER is required")?;
        let mut route = Topic::new(other)
            .kafka("bootstrap.servers", servers)
            .consumer_with(probe);
        if let Some(dead_letter) = var("PROBE_OTHER_DLQ") {
            route = route.dead_letter_queue(DeadLetterQueue::new(dead_letter));
        }
        routes = routes.topic(route);
    }
    if let Some(tasks) = var("PROBE_TASKS") {
        routes = routes.recurring_tasks(recurring_tasks(&tasks)?);
    }
    Ok(App::builder()
        .config(Config::load()?)
        .routes(routes)
        .build()?)
}

/// `PROBE_TASKS=group:topic:name=cron;name=cron`: recurring tasks with empty bodies, so the
/// `tasks` commands have a schedule to command and list.
fn recurring_tasks(spec: &str) -> anyhow::Result<RecurringTasks> {
    let mut parts = spec.splitn(3, ':');
    let (Some(group), Some(topic), Some(tasks)) = (parts.next(), parts.next(), parts.next()) else {
        anyhow::bail!("PROBE_TASKS is group:topic:name=cron;...");
    };
    tasks.split(';').try_fold(
        RecurringTasks::new().group_id(group).topic(topic),
        |all, task| {
            let (name, cron) = task
                .split_once('=')
                .context("PROBE_TASKS task is name=cron")?;
            Ok(all.task(Task::new(name).cron(cron)))
        },
    )
}

fn main() -> ExitCode {
    karafka::run!(app, karafka_web::Commands)
}
