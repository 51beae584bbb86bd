//! A consumer for the runtime's unit tests: records every batch it sees and fails where its
//! script says.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use async_trait::async_trait;

use crate::routing::{Routes, Topic};
use crate::testing::TestRuntime;
use crate::{App, AppBuilder, Config, Consumer, Context, TopicPartition};

/// One batch as a consumer saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Seen {
    pub(super) offsets: Vec<i64>,
    pub(super) attempt: u32,
    pub(super) collapsed: bool,
}

/// What the recorder's instances saw and did, shared with the test.
#[derive(Debug, Default)]
pub(super) struct Log {
    pub(super) batches: Vec<Seen>,
    pub(super) hooks: Vec<String>,
    /// What `mark_as_consumed` returned, per offset, for consumers that mark each message.
    pub(super) marks: Vec<(i64, bool)>,
}

/// How a recorder behaves.
#[derive(Debug, Clone, Default)]
pub(super) struct Script {
    /// Fails at this offset (after marking the ones before when `marks_each`) while the
    /// attempt is at most `fail_attempts`.
    pub(super) fail_at: Option<i64>,
    pub(super) fail_attempts: u32,
    /// Marks each message as it goes.
    pub(super) marks_each: bool,
    /// Sleeps this long (virtual time) before handling a batch.
    pub(super) work: Duration,
}

impl Script {
    /// Fails at `offset` on every attempt, marking nothing.
    pub(super) fn failing_at(offset: i64) -> Self {
        Self {
            fail_at: Some(offset),
            fail_attempts: u32::MAX,
            ..Self::default()
        }
    }
}

#[derive(Clone, Default)]
pub(super) struct Shared(Arc<Mutex<Log>>);

impl Shared {
    pub(super) fn log(&self) -> MutexGuard<'_, Log> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(super) fn batches(&self) -> Vec<Seen> {
        self.log().batches.clone()
    }
}

pub(super) struct Recorder {
    script: Script,
    log: Shared,
}

#[async_trait]
impl Consumer for Recorder {
    async fn consume(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        self.log.log().batches.push(Seen {
            offsets: ctx.messages().iter().map(|m| m.offset()).collect(),
            attempt: ctx.attempt(),
            collapsed: ctx.collapsed(),
        });
        if !self.script.work.is_zero() {
            tokio::time::sleep(self.script.work).await;
        }
        for message in ctx.messages() {
            if self.script.fail_at == Some(message.offset())
                && ctx.attempt() <= self.script.fail_attempts
            {
                anyhow::bail!("offset {} failed", message.offset());
            }
            if self.script.marks_each {
                let marked = ctx.mark_as_consumed(message);
                self.log.log().marks.push((message.offset(), marked));
            }
        }
        Ok(())
    }

    async fn initialized(&mut self, partition: &TopicPartition) -> anyhow::Result<()> {
        self.log
            .log()
            .hooks
            .push(format!("initialized {partition}"));
        Ok(())
    }

    async fn revoked(&mut self, partition: &TopicPartition) -> anyhow::Result<()> {
        self.log.log().hooks.push(format!("revoked {partition}"));
        Ok(())
    }

    async fn shutdown(&mut self, partition: &TopicPartition) -> anyhow::Result<()> {
        self.log.log().hooks.push(format!("shutdown {partition}"));
        Ok(())
    }
}

/// A topic `name` consumed by recorders following `script`, the log they share.
pub(super) fn recorded(name: &str, script: Script) -> (Topic, Shared) {
    let log = Shared::default();
    let shared = log.clone();
    let topic = Topic::new(name).consumer_with(move || Recorder {
        script: script.clone(),
        log: shared.clone(),
    });
    (topic, log)
}

/// The test runtime of an app routing `topic`, with the default settings.
pub(super) fn runtime(topic: Topic) -> TestRuntime {
    runtime_of(App::builder().routes(Routes::new().topic(topic)))
}

/// The test runtime of the app `builder` makes, with the default settings.
pub(super) fn runtime_of(builder: AppBuilder) -> TestRuntime {
    let app = builder
        // Checked when the app is built; nothing connects to it.
        .config(Config::default().kafka("bootstrap.servers", "127.0.0.1:1"))
        .build()
        .unwrap_or_else(|error| panic!("the test app builds: {error}"));
    TestRuntime::new(app).unwrap_or_else(|error| panic!("inside a runtime: {error}"))
}

/// Produces `count` JSON records (`{"n": i}`) to partition 0 of `topic`.
pub(super) fn produce(runtime: &TestRuntime, topic: &str, count: i64) {
    for n in 0..count {
        let produced = crate::Record::json(topic, &serde_json::json!({ "n": n }))
            .and_then(|record| runtime.produce(record.partition(0)));
        if let Err(error) = produced {
            panic!("producing to {topic}: {error}");
        }
    }
}
