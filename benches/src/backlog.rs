//! Backlogs: topics filled once with a known number of messages and reused by later runs.

use std::collections::HashMap;
use std::time::Instant;

use anyhow::Context as _;
use karafka::admin::Admin;
use karafka::producer::DeliveryHandle;
use karafka::{Config, Producer, Record};
use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};
use rand_distr::Zipf;

use crate::spec::{Item, Order};

/// What the messages of a backlog carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Payload {
    /// This many bytes of filler: a JSON object numbering the message, padded.
    Filler(usize),
    /// A JSON order of about 1 KB.
    OrderJson,
}

impl std::fmt::Display for Payload {
    /// The size as the scenarios name it: 100 B, 1 KB, 10 KB.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            Self::Filler(bytes) if bytes >= 1_000 => write!(f, "{} KB", bytes / 1_000),
            Self::Filler(bytes) => write!(f, "{bytes} B"),
            Self::OrderJson => f.write_str("1 KB JSON"),
        }
    }
}

/// A topic holding `messages` messages over `partitions` partitions.
#[derive(Debug, Clone)]
pub(crate) struct Backlog {
    pub(crate) name: &'static str,
    pub(crate) partitions: i32,
    pub(crate) messages: u64,
    pub(crate) payload: Payload,
    /// The messages' keys, for virtual partitions.
    pub(crate) keys: Keys,
}

/// How a backlog's messages are keyed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Keys {
    /// No keys.
    None,
    /// `k0`..`k999` in turn: every key equally often.
    Uniform,
    /// `k0`..`k999` drawn from Zipf(1.0) with a fixed seed: `k0` about 13 % of the messages.
    Zipf,
}

/// How many keys keyed backlogs spread over.
const KEY_COUNT: u64 = 1_000;

impl Backlog {
    pub(crate) fn topic(&self) -> String {
        format!("bench-{}-p{}-{}", self.name, self.partitions, self.messages)
    }

    /// Creates and fills the topic unless a previous run did.
    pub(crate) async fn ensure(&self, config: &Config) -> anyhow::Result<()> {
        let admin = Admin::new(config)?;
        let topic = self.topic();
        if let Ok(partitions) = admin.partition_count(&topic).await {
            let mut held = 0;
            for partition in 0..partitions {
                let (low, high) = admin.watermarks(&topic, partition).await?;
                held += high - low;
            }
            if held == self.messages as i64 {
                return Ok(());
            }
            admin.delete_topic(&topic).await?;
            tokio::time::sleep(std::time::Duration::from_secs(2)).await;
        }
        admin
            .create_topic(&topic, self.partitions, 1)
            .await
            .with_context(|| format!("creating {topic}"))?;
        let producing = Instant::now();
        let producer = Producer::new(
            &config
                .clone()
                .kafka("linger.ms", 20)
                .kafka("batch.size", 1_000_000),
        )?;
        let mut pending: Vec<DeliveryHandle> = Vec::new();
        let mut keys = self.keys()?;
        for index in 0..self.messages {
            let mut record = Record::new(&topic, self.payload(index));
            if let Some(key) = keys.next() {
                record = record.key(format!("k{key}"));
            }
            pending.push(producer.produce_async(record).await?);
            if pending.len() >= 50_000 {
                for delivery in pending.drain(..) {
                    delivery.await?;
                }
            }
        }
        for delivery in pending {
            delivery.await?;
        }
        eprintln!(
            "  produced {} messages to {topic} in {:.1} s",
            self.messages,
            producing.elapsed().as_secs_f64()
        );
        Ok(())
    }

    /// The key of each message in turn (none when unkeyed); the same in every run.
    fn keys(&self) -> anyhow::Result<Box<dyn Iterator<Item = u64>>> {
        Ok(match self.keys {
            Keys::None => Box::new(std::iter::empty()),
            Keys::Uniform => Box::new((0..self.messages).map(|index| index % KEY_COUNT)),
            Keys::Zipf => {
                let zipf = Zipf::new(KEY_COUNT as f64, 1.0)?;
                let draws = StdRng::seed_from_u64(KEY_COUNT).sample_iter(zipf);
                // Ranks are 1..=KEY_COUNT.
                Box::new(
                    draws
                        .take(self.messages as usize)
                        .map(|rank| rank as u64 - 1),
                )
            }
        })
    }

    /// How many messages the most frequent key has (0 when unkeyed).
    pub(crate) fn largest_key(&self) -> anyhow::Result<u64> {
        let mut counts: HashMap<u64, u64> = HashMap::new();
        for key in self.keys()? {
            *counts.entry(key).or_default() += 1;
        }
        Ok(counts.into_values().max().unwrap_or(0))
    }

    fn payload(&self, index: u64) -> Vec<u8> {
        match self.payload {
            Payload::Filler(bytes) => {
                let mut payload = format!("{{\"n\":{index},\"pad\":\"").into_bytes();
                payload.resize(bytes.saturating_sub(2), b'x');
                payload.extend_from_slice(b"\"}");
                payload
            }
            Payload::OrderJson => serde_json::to_vec(&order(index)).unwrap_or_default(),
        }
    }
}

/// An order of about 1 KB of JSON.
fn order(index: u64) -> Order {
    Order {
        id: index,
        customer: format!("Customer {index} of the benchmark shop"),
        email: format!("customer{index}@example.com"),
        currency: "EUR".into(),
        items: (0..8)
            .map(|line| Item {
                sku: format!("SKU-{:08}-{line}", index % 100_000),
                quantity: (line % 3 + 1) as u32,
                price_cents: 1_000 + line * 250,
            })
            .collect(),
        note: "Leave the parcel with the neighbour if nobody answers the door; the customer asked \
               for recyclable packaging and no printed invoice in the box, please."
            .repeat(3),
    }
}
