//! What one measured run does, and what it reports. Runs happen in child processes, so each
//! one's peak memory is its own; specs and outcomes travel as JSON.

use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};
use rand_distr::Exp1;
use serde::{Deserialize, Serialize};

pub(crate) use crate::process::{now_micros, peak_rss_kb};

/// Which consumer does the work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Implementation {
    /// A plain rust-rdkafka `BaseConsumer` poll loop storing each offset.
    Baseline,
    /// A karafka server.
    Karafka,
    /// A librdkafka consumer driven through its C API with `rd_kafka_consume_batch_queue`, no
    /// Rust client in between (scenario 11's ceiling of the dependency); `Noop` only.
    RawBatch,
}

/// What the handler does per message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Workload {
    /// Nothing; karafka marks the batch after it.
    Noop,
    /// Nothing, with the Prometheus metrics (and their endpoint) and a user listener attached.
    Observed,
    /// `mark_as_consumed` per message.
    MarkEach,
    /// Decode the JSON payload into an order struct.
    DecodeJson,
    /// Await this many microseconds of simulated I/O.
    Io {
        /// The I/O's duration (its mean when `varied`).
        micros: u64,
        /// Each message's I/O drawn from an exponential distribution with mean `micros`, fixed
        /// by its offset, so every consumer of a backlog waits as long in all.
        varied: bool,
        /// karafka's `concurrency`.
        concurrency: usize,
        /// karafka's `max_messages`.
        max_messages: usize,
        /// Virtual partitions (by key), if any.
        virtual_partitions: Option<usize>,
        /// Whether the virtual partitions stream (go on with the next batch while the slowest
        /// finishes) or wait at the end of each batch.
        streaming: bool,
    },
    /// Produce at `rate` per second for the run's message count and measure latency.
    Latency {
        /// Messages per second.
        rate: u64,
        /// karafka's `max_wait_time` in ms.
        max_wait_ms: u64,
        /// Disable Nagle's algorithm on every socket (producer and consumers).
        no_delay: bool,
    },
}

impl Workload {
    /// How long the simulated I/O of the message at `offset` takes, for [`Workload::Io`].
    pub(crate) fn io_time(&self, offset: i64) -> Option<Duration> {
        let Self::Io { micros, varied, .. } = *self else {
            return None;
        };
        let scale = if varied {
            StdRng::seed_from_u64(offset as u64).sample(Exp1)
        } else {
            1.0
        };
        Some(Duration::from_secs_f64(micros as f64 * scale / 1e6))
    }
}

/// One measured run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Run {
    pub(crate) implementation: Implementation,
    pub(crate) workload: Workload,
    pub(crate) topic: String,
    pub(crate) messages: u64,
    pub(crate) bootstrap: String,
    /// karafka only: the topic's subscription group runs on this many connections
    /// (multiplexing), and nothing is handled until every connection holds its partitions, so
    /// the joins' rebalances are not measured. `None`: a plain route.
    #[serde(default)]
    pub(crate) connections: Option<usize>,
    /// Extra librdkafka settings (`--librdkafka`) for the librdkafka consumers: the rust-rdkafka
    /// loop, the raw librdkafka loop and karafka's.
    #[serde(default)]
    pub(crate) librdkafka: Vec<(String, String)>,
}

/// What a run measured.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Outcome {
    pub(crate) messages: u64,
    pub(crate) bytes: u64,
    /// From the first message handled to the last.
    pub(crate) seconds: f64,
    /// The process's peak resident memory.
    pub(crate) peak_rss_kb: u64,
    /// Produce-to-handler latency percentiles in microseconds: p50, p99, max.
    pub(crate) latency_us: Option<(u64, u64, u64)>,
    /// The process's CPU time (user + system) over its whole life, start-up included; filled in
    /// by the parent when it reaps the process (0 where it was not measured).
    #[serde(default)]
    pub(crate) cpu_seconds: f64,
}

impl Outcome {
    pub(crate) fn rate(&self) -> f64 {
        self.messages as f64 / self.seconds.max(f64::EPSILON)
    }

    pub(crate) fn megabytes_per_second(&self) -> f64 {
        self.bytes as f64 / 1_000_000.0 / self.seconds.max(f64::EPSILON)
    }

    /// CPU seconds per million messages: what the run cost, robust to other load on the
    /// machine where the rate is not.
    pub(crate) fn cpu_per_million(&self) -> f64 {
        self.cpu_seconds / (self.messages as f64 / 1e6).max(f64::EPSILON)
    }
}

/// What a consumer loop handled, from the first message handled to the last.
#[derive(Debug, Default)]
pub(crate) struct Counter {
    /// Messages handled so far.
    pub(crate) messages: u64,
    bytes: u64,
    first: Option<Instant>,
    last: Option<Instant>,
}

impl Counter {
    /// Starts the clock at the first call: a message is about to be handled.
    pub(crate) fn begin(&mut self) {
        self.first.get_or_insert_with(Instant::now);
    }

    /// Counts `messages` handled messages of `bytes` bytes, the last of them just now.
    pub(crate) fn handled(&mut self, messages: u64, bytes: u64) {
        self.messages += messages;
        self.bytes += bytes;
        self.last = Some(Instant::now());
    }

    /// The run's outcome, with this process's peak RSS.
    pub(crate) fn outcome(&self) -> Outcome {
        Outcome {
            messages: self.messages,
            bytes: self.bytes,
            seconds: match (self.first, self.last) {
                (Some(first), Some(last)) => (last - first).as_secs_f64(),
                _ => 0.0,
            },
            peak_rss_kb: peak_rss_kb(),
            ..Outcome::default()
        }
    }
}

/// The payload of the JSON scenario: about 1 KB.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Order {
    pub(crate) id: u64,
    pub(crate) customer: String,
    pub(crate) email: String,
    pub(crate) currency: String,
    pub(crate) items: Vec<Item>,
    pub(crate) note: String,
}

/// A line of an order.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Item {
    pub(crate) sku: String,
    pub(crate) quantity: u32,
    pub(crate) price_cents: u64,
}
