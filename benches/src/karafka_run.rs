//! The framework side: a karafka server whose consumer counts what it handles.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use karafka::instrumentation::Event;
use karafka::middleware::{Verdict, VirtualPartitions};
use karafka::routing::{Multiplexing, Routes, SubscriptionGroup, Topic};
use karafka::{async_trait, App, Config, Consumer, Context, TopicPartition};
use tokio::sync::Notify;

use crate::latency::{Percentiles, SteadyProducer};
use crate::precise_io::io;
use crate::spec::{peak_rss_kb, Order, Outcome, Run, Workload};

/// What every consumer instance of a run adds to.
struct Tally {
    target: u64,
    handled: AtomicU64,
    bytes: AtomicU64,
    first: OnceLock<Instant>,
    last: Mutex<Option<Instant>>,
    latencies: Mutex<Percentiles>,
    assigned: Notify,
    done: Notify,
}

struct Counting {
    workload: Workload,
    tally: Arc<Tally>,
}

#[async_trait]
impl Consumer for Counting {
    async fn consume(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        self.tally.first.get_or_init(Instant::now);
        let mut bytes = 0;
        for message in ctx.messages() {
            let payload = message.raw_payload().unwrap_or_default();
            bytes += payload.len() as u64;
            match self.workload {
                Workload::Noop | Workload::Observed => {}
                Workload::MarkEach => {
                    ctx.mark_as_consumed(message);
                }
                Workload::DecodeJson => {
                    let _: Order = message.payload()?;
                }
                Workload::Io { .. } => {
                    if let Some(time) = self.workload.io_time(message.offset()) {
                        io(time).await;
                    }
                }
                Workload::Latency { .. } => self
                    .tally
                    .latencies
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .record_sent_at(payload),
            }
        }
        self.tally.bytes.fetch_add(bytes, Ordering::Relaxed);
        let count = ctx.messages().len() as u64;
        let handled = self.tally.handled.fetch_add(count, Ordering::AcqRel) + count;
        *self
            .tally
            .last
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(Instant::now());
        if handled >= self.tally.target {
            self.tally.done.notify_one();
        }
        Ok(())
    }

    async fn initialized(&mut self, _: &TopicPartition) -> anyhow::Result<()> {
        self.tally.assigned.notify_one();
        Ok(())
    }
}

/// How long a partition waits before looking at the gate again.
const GATE_RETRY: Duration = Duration::from_millis(10);

/// Opens once every connection of a multiplexed run holds partitions: the connections join
/// one after another, each join a rebalance, and the first would otherwise consume alone.
struct Gate {
    connections: usize,
    /// Partitions held per connection, from the rebalance events.
    held: Mutex<HashMap<String, usize>>,
    open: Arc<AtomicBool>,
}

impl Gate {
    fn new(connections: usize) -> Self {
        Self {
            connections,
            held: Mutex::default(),
            open: Arc::default(),
        }
    }

    fn note(&self, event: &Event) {
        let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        match event {
            Event::PartitionsAssigned { group, partitions } => {
                *held.entry(group.clone()).or_default() += partitions.len();
            }
            Event::PartitionsRevoked { group, partitions }
            | Event::PartitionsLost { group, partitions } => {
                let count = held.entry(group.clone()).or_default();
                *count = count.saturating_sub(partitions.len());
            }
            _ => return,
        }
        if held.values().filter(|&&count| count > 0).count() >= self.connections {
            self.open.store(true, Ordering::Release);
        }
    }
}

pub(crate) async fn run(run: &Run, group: &str) -> anyhow::Result<Outcome> {
    let mut config = Config::default()
        .kafka("bootstrap.servers", &run.bootstrap)
        .group_id(group);
    for (name, value) in &run.librdkafka {
        config = config.kafka(name, value);
    }
    if let Workload::Io {
        concurrency,
        max_messages,
        ..
    } = run.workload
    {
        config.concurrency = concurrency;
        config.max_messages = max_messages;
    }
    if let Workload::Latency {
        max_wait_ms,
        no_delay,
        ..
    } = run.workload
    {
        config.max_wait_time = Duration::from_millis(max_wait_ms);
        config = config.kafka("socket.nagle.disable", no_delay);
    }
    let tally = Arc::new(Tally {
        target: run.messages,
        handled: AtomicU64::new(0),
        bytes: AtomicU64::new(0),
        first: OnceLock::new(),
        last: Mutex::new(None),
        latencies: Mutex::default(),
        assigned: Notify::new(),
        done: Notify::new(),
    });
    let workload = run.workload;
    let consumer_tally = Arc::clone(&tally);
    let mut topic = Topic::new(&run.topic).consumer_with(move || Counting {
        workload,
        tally: Arc::clone(&consumer_tally),
    });
    if let Workload::Io {
        virtual_partitions: Some(count),
        streaming,
        ..
    } = run.workload
    {
        topic = topic.virtual_partitions(
            VirtualPartitions::by_key()
                .max_partitions(count)
                .streaming(streaming),
        );
    }
    let mut builder = App::builder();
    let mut routes = Routes::new();
    match run.connections {
        Some(connections) => {
            let gate = Gate::new(connections);
            let open = Arc::clone(&gate.open);
            topic = topic.filter(move |_| {
                if open.load(Ordering::Acquire) {
                    Verdict::Keep
                } else {
                    Verdict::Pause(GATE_RETRY)
                }
            });
            builder = builder.listener(move |event: &Event| gate.note(event));
            routes = routes.subscription_group(
                SubscriptionGroup::new("bench")
                    .multiplexing(Multiplexing::new().connections(connections))
                    .topic(topic),
            );
        }
        None => routes = routes.topic(topic),
    }
    if run.workload == Workload::Observed {
        config.metrics.enabled = true;
        // Any free port: nothing scrapes it, the metrics are kept all the same.
        config.metrics.address = "127.0.0.1:0".into();
        let events = AtomicU64::new(0);
        builder = builder.listener(move |_: &Event| {
            events.fetch_add(1, Ordering::Relaxed);
        });
    }
    let app = builder.config(config).routes(routes).build()?;
    let done = Arc::clone(&tally);
    let server = tokio::spawn(
        app.server()
            .run_until(async move { done.done.notified().await }),
    );
    if let Workload::Latency { rate, no_delay, .. } = run.workload {
        tally.assigned.notified().await;
        let producer =
            SteadyProducer::start(&run.bootstrap, &run.topic, rate, run.messages, no_delay)?;
        tokio::task::spawn_blocking(move || producer.join()).await?;
    }
    server.await??;
    let seconds = match (
        tally.first.get(),
        *tally.last.lock().unwrap_or_else(PoisonError::into_inner),
    ) {
        (Some(first), Some(last)) => (last - *first).as_secs_f64(),
        _ => 0.0,
    };
    let latencies = std::mem::take(
        &mut *tally
            .latencies
            .lock()
            .unwrap_or_else(PoisonError::into_inner),
    );
    Ok(Outcome {
        messages: tally.handled.load(Ordering::Acquire),
        bytes: tally.bytes.load(Ordering::Acquire),
        seconds,
        peak_rss_kb: peak_rss_kb(),
        latency_us: latencies.summary(),
        ..Outcome::default()
    })
}
