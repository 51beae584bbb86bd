//! The subject of the reliability suite: a karafka app, built on the public API only, that
//! consumes keyed messages `{"key": k, "seq": n}` and logs every message it handles (before
//! marking it), every partition it gets, loses or shuts down, and every commit the broker
//! acknowledged (the runtime's events under [`karafka::instrumentation::COMMITS_TARGET`]).
//!
//! Settings: `KARAFKA_*` as for any app; `RELIABILITY_TOPIC`, `RELIABILITY_LOG` (its log file),
//! `RELIABILITY_SEED`, `RELIABILITY_ERROR_RATE` and `RELIABILITY_PANIC_RATE` (per attempt),
//! `RELIABILITY_SLOW_MS` (an await per message), `RELIABILITY_VIRTUAL` (virtual partitions),
//! `RELIABILITY_DLQ` (a dead-letter topic, 1 retry), `RELIABILITY_STALL` (`offset:ms`, one
//! handling of that offset of partition 0 stalls, once per process), `RELIABILITY_EXTRA_TOPIC` (a
//! second topic, which the driver may delete while it is consumed), `RELIABILITY_OUTPUT` (an
//! output topic: each message becomes a record `{"partition", "offset"}` there, in its
//! partition, produced and marked in one transaction per batch; its handlings are not logged).

use std::fs::{File, OpenOptions};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::Write as _;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Context as _;
use karafka::admin::Admin;
use karafka::instrumentation::{AcknowledgedCommit, COMMITS_TARGET};
use karafka::middleware::{DeadLetterQueue, VirtualPartitions};
use karafka::routing::{Routes, Topic};
use karafka::{async_trait, App, Config, Consumer, Context, Record, TopicPartition};
use serde::Deserialize;
use tracing_subscriber::filter::{EnvFilter, Targets};
use tracing_subscriber::layer::{Context as LayerContext, SubscriberExt as _};
use tracing_subscriber::util::SubscriberInitExt as _;
use tracing_subscriber::Layer;

#[derive(Deserialize)]
struct Payload {
    key: u32,
    seq: u64,
    /// A message no retry can handle.
    #[serde(default)]
    poison: bool,
}

/// The subject's log: one line per event, read by `History::read_log`.
struct EventLog(File);

impl EventLog {
    /// Appends `kind at pid partition rest`.
    fn write(&self, kind: char, partition: i32, rest: &str) -> std::io::Result<()> {
        let line = format!(
            "{kind} {} {} {partition}{rest}\n",
            now(),
            std::process::id()
        );
        // One write per line: lines of concurrent jobs never mix.
        (&self.0).write_all(line.as_bytes())
    }
}

struct Settings {
    log: Arc<EventLog>,
    seed: u64,
    error_rate: f64,
    panic_rate: f64,
    slow: Duration,
    stall: Option<(i64, Duration)>,
    stalled: AtomicBool,
    admin: Admin,
    group: String,
    /// The exactly-once mode's output topic.
    output: Option<String>,
}

struct Subject(Arc<Settings>);

fn now() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros())
}

impl Settings {
    fn log(&self, kind: char, partition: i32, rest: &str) -> std::io::Result<()> {
        self.log.write(kind, partition, rest)
    }

    /// A number in 0..1 fixed by the seed, the message and the attempt, so a run can be replayed.
    fn chance(&self, partition: i32, offset: i64, attempt: u32) -> f64 {
        let mut hasher = DefaultHasher::new();
        (self.seed, partition, offset, attempt).hash(&mut hasher);
        (hasher.finish() % 1_000_000) as f64 / 1_000_000.0
    }
}

#[async_trait]
impl Consumer for Subject {
    async fn consume(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        let settings = &self.0;
        if let Some(output) = &settings.output {
            return transform(ctx, output, settings.slow).await;
        }
        for message in ctx.messages() {
            let payload: Payload = message.payload()?;
            anyhow::ensure!(
                !payload.poison,
                "poison message at {}/{}",
                message.partition(),
                message.offset()
            );
            let (partition, offset, attempt) =
                (message.partition(), message.offset(), ctx.attempt());
            if let Some((at, stall)) = settings.stall {
                if partition == 0 && offset == at && !settings.stalled.swap(true, Ordering::SeqCst)
                {
                    tokio::time::sleep(stall).await;
                }
            }
            tokio::time::sleep(settings.slow).await;
            let chance = settings.chance(partition, offset, attempt);
            if chance < settings.panic_rate {
                panic!("injected panic at {partition}/{offset}");
            }
            anyhow::ensure!(
                chance >= settings.panic_rate + settings.error_rate,
                "injected error at {partition}/{offset}"
            );
            let rest = format!(" {offset} {} {} {attempt}", payload.key, payload.seq);
            settings.log('H', partition, &rest)?;
            ctx.mark_as_consumed(message);
        }
        Ok(())
    }

    async fn initialized(&mut self, partition: &TopicPartition) -> anyhow::Result<()> {
        let settings = &self.0;
        // Read from the broker, which may be electing new leaders after a broker died.
        let mut tries = 1;
        let lag = loop {
            match settings.admin.lag(&settings.group, &partition.topic).await {
                Ok(lag) => break lag,
                Err(_) if tries < 10 => tries += 1,
                Err(error) => return Err(error.into()),
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        };
        let lag = lag.iter().find(|lag| lag.partition == partition.partition);
        let committed = lag
            .and_then(|lag| lag.committed)
            .map_or_else(|| "-".to_owned(), |c| c.to_string());
        let end = lag.map_or_else(|| "-".to_owned(), |lag| lag.high_watermark.to_string());
        settings.log('A', partition.partition, &format!(" {committed} {end}"))?;
        Ok(())
    }

    async fn revoked(&mut self, partition: &TopicPartition) -> anyhow::Result<()> {
        self.0.log('R', partition.partition, "")?;
        Ok(())
    }

    async fn shutdown(&mut self, partition: &TopicPartition) -> anyhow::Result<()> {
        self.0.log('S', partition.partition, "")?;
        Ok(())
    }
}

/// The exactly-once mode: copies the batch's coordinates to `output` and marks it, in one
/// transaction.
async fn transform(ctx: &Context, output: &str, slow: Duration) -> anyhow::Result<()> {
    let messages = ctx.messages().clone();
    ctx.transaction(|tx| async move {
        for message in messages.iter() {
            tokio::time::sleep(slow).await;
            let (partition, offset) = (message.partition(), message.offset());
            let copy = serde_json::json!({"partition": partition, "offset": offset});
            tx.produce(Record::json(output, &copy)?.partition(partition))
                .await?;
            tx.mark_as_consumed(message);
        }
        Ok(())
    })
    .await
}

/// Consumes the extra topic without looking at it.
#[derive(Default)]
struct Ignore;

#[async_trait]
impl Consumer for Ignore {
    async fn consume(&mut self, _: &mut Context) -> anyhow::Result<()> {
        Ok(())
    }
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

fn number<T: std::str::FromStr>(name: &str, default: T) -> anyhow::Result<T> {
    var(name).map_or(Ok(default), |value| {
        value
            .parse()
            .map_err(|_| anyhow::anyhow!("{name} is not a number: {value}"))
    })
}

fn app(topic: String, log: Arc<EventLog>) -> anyhow::Result<App> {
    let mut config = Config::load()?;
    let output = var("RELIABILITY_OUTPUT");
    if output.is_some() {
        // One id per process; the group's metadata fences members that lost a partition. A
        // killed process's open transaction holds `read_committed` readers of the output until
        // the broker aborts it: 10 s rather than librdkafka's 60.
        let id = format!("{}-{}", config.group_id, std::process::id());
        config
            .producer
            .kafka
            .set("transactional.id", id)
            .set("transaction.timeout.ms", 10_000);
    }
    let stall = var("RELIABILITY_STALL").and_then(|stall| {
        let (offset, ms) = stall.split_once(':')?;
        Some((
            offset.parse().ok()?,
            Duration::from_millis(ms.parse().ok()?),
        ))
    });
    let settings = Arc::new(Settings {
        log,
        seed: number("RELIABILITY_SEED", 0)?,
        error_rate: number("RELIABILITY_ERROR_RATE", 0.0)?,
        panic_rate: number("RELIABILITY_PANIC_RATE", 0.0)?,
        slow: Duration::from_millis(number("RELIABILITY_SLOW_MS", 0)?),
        stall,
        stalled: AtomicBool::new(false),
        admin: Admin::new(&config)?,
        group: config.group_id.clone(),
        output,
    });
    let mut route = Topic::new(topic).consumer_with(move || Subject(Arc::clone(&settings)));
    if let Some(count) = var("RELIABILITY_VIRTUAL") {
        let by_key = VirtualPartitions::new(|m| m.key().map(<[u8]>::to_vec));
        route = route.virtual_partitions(by_key.max_partitions(count.parse()?));
    }
    if let Some(dlq) = var("RELIABILITY_DLQ") {
        route = route.dead_letter_queue(DeadLetterQueue::new(dlq).max_retries(1));
    }
    let mut routes = Routes::new().topic(route);
    if let Some(extra) = var("RELIABILITY_EXTRA_TOPIC") {
        routes = routes.topic(Topic::new(extra).consumer::<Ignore>());
    }
    Ok(App::builder().config(config).routes(routes).build()?)
}

/// Writes `C at pid partition offset` for each commit of `topic` the broker acknowledged.
struct AcknowledgedCommits {
    topic: String,
    log: Arc<EventLog>,
}

impl<S: tracing::Subscriber> Layer<S> for AcknowledgedCommits {
    fn on_event(&self, event: &tracing::Event<'_>, _: LayerContext<'_, S>) {
        if let Some(commit) = AcknowledgedCommit::from_event(event) {
            if commit.topic == self.topic {
                // A lost line shows as a missing acknowledgement, which the audit tolerates.
                let _ = self
                    .log
                    .write('C', commit.partition, &format!(" {}", commit.offset));
            }
        }
    }
}

/// The usual stderr output (`RUST_LOG`, else info), and the commits of `topic` into `log`
/// whatever `RUST_LOG` says. `karafka::cli::run` then keeps this subscriber.
fn init_logging(topic: &str, log: &Arc<EventLog>) {
    let stderr = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let commits = Targets::new().with_target(COMMITS_TARGET, tracing::Level::DEBUG);
    tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_filter(stderr),
        )
        .with(
            AcknowledgedCommits {
                topic: topic.to_owned(),
                log: Arc::clone(log),
            }
            .with_filter(commits),
        )
        .init();
}

fn event_log() -> anyhow::Result<(String, Arc<EventLog>)> {
    let topic = var("RELIABILITY_TOPIC").context("RELIABILITY_TOPIC is required")?;
    let path = var("RELIABILITY_LOG").context("RELIABILITY_LOG is required")?;
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .with_context(|| format!("opening RELIABILITY_LOG {path}"))?;
    Ok((topic, Arc::new(EventLog(file))))
}

fn main() -> ExitCode {
    let (topic, log) = match event_log() {
        Ok(opened) => opened,
        Err(error) => {
            eprintln!("error: {error:#}");
            return ExitCode::FAILURE;
        }
    };
    init_logging(&topic, &log);
    karafka::cli::run(move || app(topic, log))
}
