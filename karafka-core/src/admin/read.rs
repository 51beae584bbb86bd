//! Reading a range of a partition without joining a group.

use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, Consumer as _};
use rdkafka::{Offset, TopicPartitionList};

use super::{Admin, AdminError, REQUEST_TIMEOUT};

/// The group id of the reading consumer; it is never joined nor committed to.
const READER_GROUP: &str = "karafka-admin-reader";
use super::convert::to_message;
use crate::messages::{Deserializers, Message, Origin};

impl Admin {
    /// A consumer with the app's connection settings for reading partitions it is assigned by
    /// hand (`assign`), as tools that tail a topic do. It never joins a group nor commits, and
    /// reads committed records only.
    ///
    /// # Errors
    /// [`AdminError::Create`] when librdkafka refuses the settings.
    pub fn reader(&self) -> Result<BaseConsumer, AdminError> {
        self.group_consumer(READER_GROUP)
    }

    /// Up to `count` messages of a partition from offset `start` (fewer when the partition ends
    /// first), decoded as JSON on demand. Joins no group and commits nothing.
    ///
    /// # Errors
    /// [`AdminError::Unreachable`] when the brokers do not answer.
    pub async fn read_topic(
        &self,
        topic: &str,
        partition: i32,
        start: i64,
        count: usize,
    ) -> Result<Vec<Message>, AdminError> {
        let (_, high) = self.watermarks(topic, partition).await?;
        let topic = topic.to_owned();
        self.blocking(move |admin| {
            // librdkafka assigns partitions only to consumers with a group id; a manual assignment
            // never joins that group, and auto-commit is off, so the group stays untouched.
            let consumer: BaseConsumer = admin.group_consumer(READER_GROUP)?;
            let mut list = TopicPartitionList::new();
            list.add_partition_offset(&topic, partition, Offset::Offset(start))
                .map_err(AdminError::request)?;
            consumer.assign(&list).map_err(AdminError::request)?;
            let origin = Origin::new(&topic, partition, Deserializers::new());
            let mut messages = Vec::new();
            let deadline = Instant::now() + REQUEST_TIMEOUT;
            let mut next = start;
            while messages.len() < count && next < high && Instant::now() < deadline {
                match consumer.poll(Duration::from_millis(100)) {
                    Some(Ok(message)) => {
                        let message = to_message(&message, &origin);
                        next = message.offset() + 1;
                        messages.push(message);
                    }
                    Some(Err(error)) => return Err(AdminError::request(error)),
                    // Transaction markers and aborted records are never returned: the read
                    // position tells when only those were left.
                    None => {
                        next = next.max(read_position(&consumer, &topic, partition));
                    }
                }
            }
            Ok(messages)
        })
        .await
    }
}

/// Where `consumer` reads `partition` of `topic` next, as far as it fetched; `-1` when unknown.
fn read_position(consumer: &BaseConsumer, topic: &str, partition: i32) -> i64 {
    consumer
        .position()
        .ok()
        .and_then(|list| {
            list.find_partition(topic, partition)
                .and_then(|element| match element.offset() {
                    Offset::Offset(offset) => Some(offset),
                    _ => None,
                })
        })
        .unwrap_or(-1)
}
