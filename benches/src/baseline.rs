//! The baseline: a plain rust-rdkafka `BaseConsumer` poll loop that stores each offset after
//! handling its message, the practical ceiling of a librdkafka client.

use std::time::Duration;

use rdkafka::consumer::{BaseConsumer, Consumer as _};
use rdkafka::{ClientConfig, Message as _};

use crate::latency::{Percentiles, SteadyProducer};
use crate::precise_io::io;
use crate::spec::{Counter, Order, Outcome, Run, Workload};

/// Whether the run disables Nagle's algorithm.
fn no_delay(run: &Run) -> bool {
    matches!(run.workload, Workload::Latency { no_delay: true, .. })
}

/// The baseline's librdkafka settings, then the run's own (`--librdkafka`); shared by scenario
/// 11's raw librdkafka loop.
pub(crate) fn settings(run: &Run, group: &str) -> Vec<(String, String)> {
    [
        ("bootstrap.servers", run.bootstrap.as_str()),
        ("group.id", group),
        ("enable.auto.offset.store", "false"),
        ("auto.offset.reset", "earliest"),
        (
            "socket.nagle.disable",
            if no_delay(run) { "true" } else { "false" },
        ),
        // karafka's librdkafka defaults, so both see the same librdkafka.
        ("fetch.queue.backoff.ms", "50"),
        ("fetch.wait.max.ms", "100"),
        ("queued.max.messages.kbytes", "8192"),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_owned(), value.to_owned()))
    .chain(run.librdkafka.iter().cloned())
    .collect()
}

pub(crate) fn run(run: &Run, group: &str) -> anyhow::Result<Outcome> {
    let no_delay = no_delay(run);
    let mut config = ClientConfig::new();
    for (name, value) in settings(run, group) {
        config.set(name, value);
    }
    let consumer: BaseConsumer = config.create()?;
    consumer.subscribe(&[&run.topic])?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let mut producer = None;
    let mut latencies = Percentiles::default();
    let mut counter = Counter::default();
    while counter.messages < run.messages {
        if let Workload::Latency { rate, .. } = run.workload {
            if producer.is_none() && !consumer.assignment()?.elements().is_empty() {
                producer = Some(SteadyProducer::start(
                    &run.bootstrap,
                    &run.topic,
                    rate,
                    run.messages,
                    no_delay,
                )?);
            }
        }
        let Some(message) = consumer.poll(Duration::from_millis(100)) else {
            continue;
        };
        let message = message?;
        counter.begin();
        let payload = message.payload().unwrap_or_default();
        match run.workload {
            Workload::Noop | Workload::Observed | Workload::MarkEach => {}
            Workload::DecodeJson => {
                let _: Order = serde_json::from_slice(payload)?;
            }
            Workload::Io { .. } => {
                if let Some(time) = run.workload.io_time(message.offset()) {
                    runtime.block_on(io(time));
                }
            }
            Workload::Latency { .. } => latencies.record_sent_at(payload),
        }
        consumer.store_offset_from_message(&message)?;
        counter.handled(1, payload.len() as u64);
    }
    Ok(Outcome {
        latency_us: latencies.summary(),
        ..counter.outcome()
    })
}
