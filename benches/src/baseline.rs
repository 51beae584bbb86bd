//! The baseline: a plain rust-rdkafka `BaseConsumer` poll loop that stores each offset after
//! handling its message, the practical ceiling of a librdkafka client.

use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, Consumer as _};
use rdkafka::{ClientConfig, Message as _};

use crate::latency::{Percentiles, SteadyProducer};
use crate::precise_io::io;
use crate::spec::{peak_rss_kb, Order, Outcome, Run, Workload};

pub(crate) fn run(run: &Run, group: &str) -> anyhow::Result<Outcome> {
    let no_delay = matches!(run.workload, Workload::Latency { no_delay: true, .. });
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", &run.bootstrap)
        .set("group.id", group)
        .set("enable.auto.offset.store", "false")
        .set("auto.offset.reset", "earliest")
        .set("socket.nagle.disable", no_delay.to_string())
        // karafka's librdkafka defaults, so both see the same librdkafka.
        .set("fetch.queue.backoff.ms", "50")
        .set("fetch.wait.max.ms", "100")
        .set("queued.max.messages.kbytes", "8192")
        .create()?;
    consumer.subscribe(&[&run.topic])?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let mut producer = None;
    let mut latencies = Percentiles::default();
    let (mut handled, mut bytes, mut first, mut last) = (0u64, 0u64, None, Instant::now());
    while handled < run.messages {
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
        first.get_or_insert_with(Instant::now);
        let payload = message.payload().unwrap_or_default();
        match run.workload {
            Workload::Noop | Workload::Observed | Workload::MarkEach => {}
            Workload::DecodeJson => {
                let _: Order = serde_json::from_slice(payload)?;
            }
            Workload::Io { micros, .. } => runtime.block_on(io(Duration::from_micros(micros))),
            Workload::Latency { .. } => latencies.record_sent_at(payload),
        }
        consumer.store_offset_from_message(&message)?;
        handled += 1;
        bytes += payload.len() as u64;
        last = Instant::now();
    }
    Ok(Outcome {
        messages: handled,
        bytes,
        seconds: first.map_or(0.0, |first| (last - first).as_secs_f64()),
        peak_rss_kb: peak_rss_kb(),
        latency_us: latencies.summary(),
    })
}
