//! The latency scenario: a producer at a steady rate stamping each message with its send time,
//! and percentiles of the time until a handler sees it.

use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer as _, ThreadedProducer};
use rdkafka::ClientConfig;

use crate::spec::now_micros;

/// Produces `count` messages at `rate` per second on its own thread.
pub(crate) struct SteadyProducer {
    thread: JoinHandle<()>,
}

impl SteadyProducer {
    /// Starts producing to `topic`; `linger.ms = 0` so that the producer adds no batching delay.
    pub(crate) fn start(
        bootstrap: &str,
        topic: &str,
        rate: u64,
        count: u64,
        no_delay: bool,
    ) -> anyhow::Result<Self> {
        let producer: ThreadedProducer<DefaultProducerContext> = ClientConfig::new()
            .set("bootstrap.servers", bootstrap)
            .set("linger.ms", "0")
            .set("socket.nagle.disable", no_delay.to_string())
            .create()?;
        let topic = topic.to_owned();
        let thread = std::thread::spawn(move || {
            let started = Instant::now();
            let interval = Duration::from_secs_f64(1.0 / rate as f64);
            for index in 0..count {
                let due = started + interval * index as u32;
                if let Some(wait) = due.checked_duration_since(Instant::now()) {
                    std::thread::sleep(wait);
                }
                let payload = now_micros().to_string();
                let mut record = BaseRecord::<(), String>::to(&topic).payload(&payload);
                // The queue holds far more than a second of messages; retry if it ever fills.
                while let Err((_, returned)) = producer.send(record) {
                    std::thread::sleep(Duration::from_millis(1));
                    record = returned;
                }
            }
            let _ = producer.flush(Duration::from_secs(10));
        });
        Ok(Self { thread })
    }

    /// Waits until every message was sent.
    pub(crate) fn join(self) {
        let _ = self.thread.join();
    }
}

/// Produce-to-handler latencies, in microseconds.
#[derive(Debug, Default)]
pub(crate) struct Percentiles(Vec<u64>);

impl Percentiles {
    /// Records the latency of a message whose payload is its send stamp.
    pub(crate) fn record_sent_at(&mut self, payload: &[u8]) {
        let sent = std::str::from_utf8(payload)
            .ok()
            .and_then(|text| text.parse::<u64>().ok());
        if let Some(sent) = sent {
            self.0.push(now_micros().saturating_sub(sent));
        }
    }

    /// p50, p99 and max, when anything was recorded.
    pub(crate) fn summary(mut self) -> Option<(u64, u64, u64)> {
        if self.0.is_empty() {
            return None;
        }
        self.0.sort_unstable();
        let at = |share: f64| self.0[((self.0.len() - 1) as f64 * share) as usize];
        Some((at(0.5), at(0.99), at(1.0)))
    }
}
