//! What the test files share: an app builder, a consumer that records what it sees and fails
//! where its script says, and the log its instances write to.
//!
//! Every test file is its own crate and uses only part of this module.
#![allow(dead_code)]

use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use karafka::routing::{Routes, Topic};
use karafka::{async_trait, App, Config, Consumer, Context, Message, TopicPartition};
use karafka_testing::TestApp;
use tokio::time::Instant;

/// The settings every test app starts from: the defaults, and the broker address an app needs
/// to build (the test app consumes and produces in memory, never through it).
pub fn config() -> Config {
    Config::default().kafka("bootstrap.servers", "127.0.0.1:9092")
}

/// A test app routing `topics` in the default consumer group, with the default settings.
pub fn app(topics: impl IntoIterator<Item = Topic>) -> TestApp {
    app_with(config(), topics)
}

/// A test app routing `topics` with `config`.
pub fn app_with(config: Config, topics: impl IntoIterator<Item = Topic>) -> TestApp {
    let routes = topics.into_iter().fold(Routes::new(), Routes::topic);
    TestApp::new(build(config, routes))
}

/// The app of `routes` with `config`, built as a test expects it to build.
pub fn build(config: Config, routes: Routes) -> App {
    App::builder()
        .config(config)
        .routes(routes)
        .build()
        .unwrap_or_else(|error| panic!("the test app builds: {error}"))
}

/// Produces `count` JSON records `{"n": i}` to partition 0 of `topic`.
pub fn produce(app: &TestApp, topic: &str, count: i64) {
    for n in 0..count {
        app.produce(topic, serde_json::json!({ "n": n }))
            .partition(0);
    }
}

/// One batch as a consumer instance saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    /// Which instance handled it, in the order the instances were built (0 first).
    pub instance: usize,
    pub partition: i32,
    pub offsets: Vec<i64>,
    pub attempt: u32,
    pub collapsed: bool,
    /// When the job started, in virtual time.
    pub at: Instant,
}

#[derive(Debug, Default)]
struct Entries {
    batches: Vec<Batch>,
    hooks: Vec<String>,
    /// What `mark_as_consumed` returned, per offset, for consumers that mark as they go.
    marks: Vec<(i64, bool)>,
    instances: usize,
}

/// What the instances of a consumer saw and did, shared with the test.
#[derive(Debug, Clone, Default)]
pub struct Log(Arc<Mutex<Entries>>);

impl Log {
    fn entries(&self) -> MutexGuard<'_, Entries> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A number for a new consumer instance: 0, 1, 2...
    pub fn new_instance(&self) -> usize {
        let mut entries = self.entries();
        entries.instances += 1;
        entries.instances - 1
    }

    /// How many instances were built.
    pub fn instances(&self) -> usize {
        self.entries().instances
    }

    /// Records the batch of `ctx`, handled by `instance`, now.
    pub fn record(&self, instance: usize, ctx: &Context) {
        self.entries().batches.push(Batch {
            instance,
            partition: ctx.partition(),
            offsets: ctx.messages().iter().map(Message::offset).collect(),
            attempt: ctx.attempt(),
            collapsed: ctx.collapsed(),
            at: Instant::now(),
        });
    }

    /// Records what marking `offset` returned.
    pub fn mark(&self, offset: i64, marked: bool) {
        self.entries().marks.push((offset, marked));
    }

    /// Records a lifecycle hook: `"<hook> <topic>/<partition> #<instance>"`.
    pub fn hook(&self, hook: &str, partition: &TopicPartition, instance: usize) {
        self.entries()
            .hooks
            .push(format!("{hook} {partition} #{instance}"));
    }

    pub fn batches(&self) -> Vec<Batch> {
        self.entries().batches.clone()
    }

    /// The offsets of each batch, in the order the batches started.
    pub fn offsets(&self) -> Vec<Vec<i64>> {
        self.batches().into_iter().map(|b| b.offsets).collect()
    }

    /// The attempt of each batch.
    pub fn attempts(&self) -> Vec<u32> {
        self.batches().into_iter().map(|b| b.attempt).collect()
    }

    pub fn hooks(&self) -> Vec<String> {
        self.entries().hooks.clone()
    }

    pub fn marks(&self) -> Vec<(i64, bool)> {
        self.entries().marks.clone()
    }
}

/// How a [`Recorder`] marks what it handled.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Marks {
    /// Not at all: the runtime marks the batch when `consume` returns `Ok`.
    #[default]
    Batch,
    /// Each message as it goes.
    Each,
    /// Each message below this offset; none from there on.
    Below(i64),
}

/// How a [`Recorder`] behaves.
#[derive(Debug, Clone, Default)]
pub struct Script {
    /// Fails at this offset (after handling and marking the ones before it) while the attempt is
    /// at most `fail_attempts`.
    pub fail_at: Option<i64>,
    pub fail_attempts: u32,
    pub marks: Marks,
    /// Sleeps this long (virtual time) before handling a batch.
    pub work: Duration,
}

impl Script {
    /// Fails at `offset` on the first `attempts` attempts.
    pub fn failing(offset: i64, attempts: u32) -> Self {
        Self {
            fail_at: Some(offset),
            fail_attempts: attempts,
            ..Self::default()
        }
    }

    /// Fails at `offset` on every attempt.
    pub fn always_failing(offset: i64) -> Self {
        Self::failing(offset, u32::MAX)
    }

    pub fn marking(self, marks: Marks) -> Self {
        Self { marks, ..self }
    }

    pub fn working(self, work: Duration) -> Self {
        Self { work, ..self }
    }
}

/// Records every batch and hook in its log, handles messages in order and fails where its
/// script says.
pub struct Recorder {
    pub instance: usize,
    /// The offsets this instance handled (not those it failed at or never reached).
    pub handled: Vec<i64>,
    script: Script,
    log: Log,
}

#[async_trait]
impl Consumer for Recorder {
    async fn consume(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        self.log.record(self.instance, ctx);
        if !self.script.work.is_zero() {
            tokio::time::sleep(self.script.work).await;
        }
        for message in ctx.messages() {
            let offset = message.offset();
            if self.script.fail_at == Some(offset) && ctx.attempt() <= self.script.fail_attempts {
                anyhow::bail!("offset {offset} failed");
            }
            self.handled.push(offset);
            let marks = match self.script.marks {
                Marks::Batch => false,
                Marks::Each => true,
                Marks::Below(limit) => offset < limit,
            };
            if marks {
                let marked = ctx.mark_as_consumed(message);
                self.log.mark(offset, marked);
            }
        }
        Ok(())
    }

    async fn initialized(&mut self, partition: &TopicPartition) -> anyhow::Result<()> {
        self.log.hook("initialized", partition, self.instance);
        Ok(())
    }

    async fn revoked(&mut self, partition: &TopicPartition) -> anyhow::Result<()> {
        self.log.hook("revoked", partition, self.instance);
        Ok(())
    }

    async fn shutdown(&mut self, partition: &TopicPartition) -> anyhow::Result<()> {
        self.log.hook("shutdown", partition, self.instance);
        Ok(())
    }
}

/// The topic `name` consumed by recorders following `script`, and the log they share.
pub fn recorded(name: &str, script: Script) -> (Topic, Log) {
    let log = Log::default();
    let shared = log.clone();
    let topic = Topic::new(name).consumer_with(move || Recorder {
        instance: shared.new_instance(),
        handled: Vec::new(),
        script: script.clone(),
        log: shared.clone(),
    });
    (topic, log)
}

/// Runs `then` once `delay` of virtual time passed, for a test to act while a job runs (in
/// `tokio::join!` with a consume); its output, and the virtual time from the call until it ended.
pub async fn after<T>(delay: Duration, then: impl Future<Output = T>) -> (T, Duration) {
    let started = Instant::now();
    tokio::time::sleep(delay).await;
    let output = then.await;
    (output, started.elapsed())
}

/// The virtual time between the starts of consecutive batches.
pub fn gaps(batches: &[Batch]) -> Vec<Duration> {
    batches
        .windows(2)
        .map(|pair| pair[1].at.duration_since(pair[0].at))
        .collect()
}

/// Whether `actual` is `expected` to the millisecond: message timestamps are whole
/// milliseconds, so delays measured from them are exact only to that.
pub fn near(actual: Duration, expected: Duration) -> bool {
    actual.abs_diff(expected) <= Duration::from_millis(1)
}
