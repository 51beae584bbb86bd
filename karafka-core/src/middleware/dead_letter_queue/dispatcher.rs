//! Writing a failed message to the dead-letter topic.

use futures_util::future::BoxFuture;
use tokio::sync::OnceCell;
use tracing::Instrument as _;

use super::DispatchError;
use crate::consumer::DeadLetterSink;
use crate::producer::{Delivery, Producer, Record};
use crate::Message;

/// Header names the dead-letter record gets, beside the message's own headers.
pub mod headers {
    /// The source topic.
    pub const TOPIC: &str = "original_topic";
    /// The source partition.
    pub const PARTITION: &str = "original_partition";
    /// The message's offset in the source partition.
    pub const OFFSET: &str = "original_offset";
    /// The consumer group that gave up on it.
    pub const CONSUMER_GROUP: &str = "original_consumer_group";
    /// How many attempts failed.
    pub const ATTEMPTS: &str = "original_attempts";
    /// The last error's text.
    pub const ERROR: &str = "original_error";
}

/// Longest error text carried in a header; longer texts are cut at a character boundary.
const MAX_ERROR_HEADER: usize = 4096;

/// Sends a route's failed messages to its dead-letter topic (or skips them).
#[derive(Debug)]
pub(crate) struct Dispatcher {
    topic: Option<String>,
    consumer_group: String,
    partitions: OnceCell<i32>,
}

/// What a dispatch did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Dispatched {
    /// Written and acknowledged there.
    Sent(Delivery),
    Skipped,
}

impl Dispatcher {
    pub(crate) fn new(topic: Option<String>, consumer_group: String) -> Self {
        Self {
            topic,
            consumer_group,
            partitions: OnceCell::new(),
        }
    }

    /// Writes `message` to the dead-letter topic and waits for the acknowledgement, in a
    /// `karafka.dead_letter` span. Messages of one source partition go to one dead-letter
    /// partition, so they keep their order there.
    pub(crate) async fn dispatch(
        &self,
        producer: &Producer,
        message: &Message,
        attempts: u32,
        reason: &str,
    ) -> Result<Dispatched, DispatchError> {
        let span = tracing::debug_span!(
            "karafka.dead_letter",
            otel.kind = "producer",
            topic = message.topic(),
            partition = message.partition(),
            offset = message.offset(),
            attempts,
            dead_letter_topic = self.topic.as_deref(),
        );
        #[cfg(feature = "opentelemetry")]
        crate::instrumentation::opentelemetry::continue_traces(&span, [message]);
        self.write(producer, message, attempts, reason)
            .instrument(span)
            .await
    }

    async fn write(
        &self,
        producer: &Producer,
        message: &Message,
        attempts: u32,
        reason: &str,
    ) -> Result<Dispatched, DispatchError> {
        let failed = |error| DispatchError::Produce {
            topic: message.topic().to_owned(),
            partition: message.partition(),
            offset: message.offset(),
            error,
        };
        let Some(topic) = &self.topic else {
            return Ok(Dispatched::Skipped);
        };
        let partitions = *self
            .partitions
            .get_or_try_init(|| producer.partition_count(topic))
            .await
            .map_err(failed)?;
        let record = self
            .record(topic, message, attempts, reason)
            .partition(message.partition().rem_euclid(partitions.max(1)));
        let delivery = producer.produce_sync(record).await.map_err(failed)?;
        Ok(Dispatched::Sent(delivery))
    }

    fn record(&self, topic: &str, message: &Message, attempts: u32, reason: &str) -> Record {
        let mut record = Record::raw(topic, message.raw_payload().map(<[u8]>::to_vec));
        if let Some(key) = message.key() {
            record = record.key(key);
        }
        for header in message.headers() {
            // The dead letter carries the dispatch's trace context (written as it is produced),
            // which continues the message's trace, rather than a copy of the message's.
            #[cfg(feature = "opentelemetry")]
            if crate::instrumentation::opentelemetry::is_trace_header(&header.key) {
                continue;
            }
            record = record.raw_header(header.key.clone(), header.value.clone());
        }
        let mut cut = reason.len().min(MAX_ERROR_HEADER);
        while !reason.is_char_boundary(cut) {
            cut -= 1;
        }
        record
            .header(headers::TOPIC, message.topic())
            .header(headers::PARTITION, message.partition().to_string())
            .header(headers::OFFSET, message.offset().to_string())
            .header(headers::CONSUMER_GROUP, self.consumer_group.as_str())
            .header(headers::ATTEMPTS, attempts.to_string())
            .header(headers::ERROR, &reason[..cut])
    }
}

impl DeadLetterSink for Dispatcher {
    fn send<'a>(
        &'a self,
        producer: &'a Producer,
        message: &'a Message,
        attempts: u32,
        reason: &'a str,
    ) -> BoxFuture<'a, Result<Option<Delivery>, DispatchError>> {
        Box::pin(async move {
            Ok(
                match self.dispatch(producer, message, attempts, reason).await? {
                    Dispatched::Sent(delivery) => Some(delivery),
                    Dispatched::Skipped => None,
                },
            )
        })
    }
}
