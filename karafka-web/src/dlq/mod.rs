//! Dead letters: list the messages of a dead-letter topic with where they came from and why they
//! failed, and replay them to their source topic. A header counts replays; a message replayed
//! `web.max_replays` times is refused, so a poison message cannot loop.

mod dead_letter;

use std::collections::BTreeMap;

use karafka::admin::Admin;
use karafka::config::WebConfig;
use karafka::routing::RouteDescription;
use karafka::Producer;

pub use dead_letter::DeadLetter;

use crate::WebError;

/// The most dead letters one replay writes.
pub const MAX_REPLAY: usize = 1_000;

/// The header that counts how often a message was replayed from a dead-letter topic.
pub const REPLAYS_HEADER: &str = "karafka_replays";

/// The dead-letter topics of `routes`, each with the topics that send to it, in order.
pub fn dead_letter_topics(routes: &[RouteDescription]) -> BTreeMap<String, Vec<String>> {
    let mut topics: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for route in routes {
        if let Some(topic) = &route.dead_letter_topic {
            topics
                .entry(topic.clone())
                .or_default()
                .push(route.topic.clone());
        }
    }
    topics
}

/// Where a replayed dead letter went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replayed {
    /// The dead letter's offset.
    pub offset: i64,
    /// The source topic it went back to.
    pub to_topic: String,
    /// The partition it landed in.
    pub to_partition: i32,
    /// Its offset there.
    pub to_offset: i64,
}

/// Reads and replays dead letters.
#[derive(Clone)]
pub struct DeadLetters {
    admin: Admin,
    producer: Producer,
    web: WebConfig,
}

impl DeadLetters {
    /// Reads with `admin`, replays with `producer`, under the `web` settings.
    pub fn new(admin: Admin, producer: Producer, web: WebConfig) -> Self {
        Self {
            admin,
            producer,
            web,
        }
    }

    /// Up to `count` dead letters of `topic`/`partition` from offset `from`. Payloads of topics
    /// in `web.hidden_payloads` (the dead-letter topic or the source) are left out.
    ///
    /// # Errors
    /// [`WebError::Admin`] when the cluster does not answer.
    pub async fn list(
        &self,
        topic: &str,
        partition: i32,
        from: i64,
        count: usize,
    ) -> Result<Vec<DeadLetter>, WebError> {
        let messages = self.admin.read_topic(topic, partition, from, count).await?;
        Ok(messages
            .iter()
            .map(|message| DeadLetter::from_message(message, &self.web.hidden_payloads))
            .collect())
    }

    /// Replays the dead letters at offsets `first..=last` of `topic`/`partition` to their source
    /// topics, each with its key, payload and headers and the replay counted, and waits for each
    /// write's acknowledgement. Checks every message before writing any.
    ///
    /// # Errors
    /// [`WebError::ReplayRange`] when the range is empty or longer than [`MAX_REPLAY`],
    /// [`WebError::NotFound`] when no message is in the range, [`WebError::NoOrigin`] or
    /// [`WebError::TooManyReplays`] naming the first message that cannot be replayed,
    /// [`WebError::Produce`] when a write is not acknowledged (the ones before it were made).
    pub async fn replay(
        &self,
        topic: &str,
        partition: i32,
        first: i64,
        last: i64,
    ) -> Result<Vec<Replayed>, WebError> {
        let span = last.saturating_sub(first).saturating_add(1).max(0);
        let count = usize::try_from(span)
            .ok()
            .filter(|count| (1..=MAX_REPLAY).contains(count))
            .ok_or(WebError::ReplayRange {
                first,
                last,
                count: span,
                max: MAX_REPLAY,
            })?;
        let messages: Vec<_> = self
            .admin
            .read_topic(topic, partition, first, count)
            .await?
            .into_iter()
            .filter(|message| message.offset() <= last)
            .collect();
        if messages.is_empty() {
            return Err(WebError::NotFound {
                topic: topic.to_owned(),
                partition,
                first,
                last,
            });
        }
        let mut records = Vec::with_capacity(messages.len());
        for message in &messages {
            let letter = DeadLetter::from_message(message, &std::collections::BTreeSet::new());
            let Some(origin) = letter.original_topic.clone() else {
                return Err(WebError::NoOrigin {
                    topic: topic.to_owned(),
                    partition,
                    offset: message.offset(),
                });
            };
            if letter.replays >= self.web.max_replays {
                return Err(WebError::TooManyReplays {
                    topic: topic.to_owned(),
                    partition,
                    offset: message.offset(),
                    replays: letter.replays,
                    max: self.web.max_replays,
                });
            }
            records.push((message.offset(), letter.replay_record(origin, message)));
        }
        let mut replayed = Vec::with_capacity(records.len());
        for (offset, record) in records {
            let delivery = self.producer.produce_sync(record).await?;
            tracing::info!(
                "Replayed {topic}/{partition} at offset {offset} to {}/{} at offset {}",
                delivery.topic,
                delivery.partition,
                delivery.offset
            );
            replayed.push(Replayed {
                offset,
                to_topic: delivery.topic,
                to_partition: delivery.partition,
                to_offset: delivery.offset,
            });
        }
        Ok(replayed)
    }
}

#[cfg(test)]
mod tests {
    use karafka::Config;

    use super::*;

    #[tokio::test]
    async fn an_empty_or_too_long_range_is_refused_before_reading() {
        // Nothing listens there: a refusal that read the cluster would time out instead.
        let config = Config::default().kafka("bootstrap.servers", "127.0.0.1:1");
        let letters = DeadLetters::new(
            Admin::new(&config).expect("admin"),
            Producer::new(&config).expect("producer"),
            config.web.clone(),
        );
        let too_long = i64::try_from(MAX_REPLAY).expect("fits");
        for (first, last) in [(5, 4), (0, too_long)] {
            let refused = letters.replay("dlq", 0, first, last).await;
            assert!(
                matches!(refused, Err(WebError::ReplayRange { .. })),
                "{first}..={last}: {refused:?}"
            );
        }
    }
}
