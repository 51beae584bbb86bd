//! What to produce.

use serde::Serialize;

use super::ProduceError;

/// A record to produce: topic, payload, and optionally key, headers, partition and timestamp.
///
/// ```
/// use karafka::producer::Record;
///
/// let record = Record::json("orders", &serde_json::json!({"id": 1}))?
///     .key("customer-7")
///     .header("source", "checkout");
/// # Ok::<(), karafka::producer::ProduceError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub(crate) topic: String,
    pub(crate) payload: Option<Vec<u8>>,
    pub(crate) key: Option<Vec<u8>>,
    pub(crate) headers: Vec<(String, Option<Vec<u8>>)>,
    pub(crate) partition: Option<i32>,
    pub(crate) timestamp: Option<i64>,
}

impl Record {
    /// A record of raw `payload` bytes for `topic`.
    pub fn new(topic: impl Into<String>, payload: impl Into<Vec<u8>>) -> Self {
        Self {
            topic: topic.into(),
            payload: Some(payload.into()),
            key: None,
            headers: Vec::new(),
            partition: None,
            timestamp: None,
        }
    }

    /// A record of an optional raw payload (`None` for a null payload).
    pub fn raw(topic: impl Into<String>, payload: Option<Vec<u8>>) -> Self {
        Self {
            payload,
            ..Self::new(topic, Vec::new())
        }
    }

    /// A record whose payload is `value` as JSON.
    ///
    /// # Errors
    /// [`ProduceError::Encode`] when `value` cannot be serialized.
    pub fn json<T: Serialize + ?Sized>(
        topic: impl Into<String>,
        value: &T,
    ) -> Result<Self, ProduceError> {
        let topic = topic.into();
        match serde_json::to_vec(value) {
            Ok(payload) => Ok(Self::new(topic, payload)),
            Err(error) => Err(ProduceError::Encode { topic, error }),
        }
    }

    /// A tombstone: a null payload for `key`, which compaction reads as a deletion.
    pub fn tombstone(topic: impl Into<String>, key: impl Into<Vec<u8>>) -> Self {
        Self::raw(topic, None).key(key)
    }

    /// Sets the key; records with one key go to one partition (and stay in order there).
    pub fn key(mut self, key: impl Into<Vec<u8>>) -> Self {
        self.key = Some(key.into());
        self
    }

    /// Adds a header.
    pub fn header(mut self, key: impl Into<String>, value: impl Into<Vec<u8>>) -> Self {
        self.headers.push((key.into(), Some(value.into())));
        self
    }

    /// Adds a header whose value may be null.
    pub fn raw_header(mut self, key: impl Into<String>, value: Option<Vec<u8>>) -> Self {
        self.headers.push((key.into(), value));
        self
    }

    /// Sends the record to `partition` instead of letting the partitioner choose.
    pub fn partition(mut self, partition: i32) -> Self {
        self.partition = Some(partition);
        self
    }

    /// Sets the record's timestamp, in milliseconds since the Unix epoch.
    pub fn timestamp_millis(mut self, millis: i64) -> Self {
        self.timestamp = Some(millis);
        self
    }

    /// The record's topic.
    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// The record with the trace context of the current span, unless it carries one already.
    #[cfg(feature = "opentelemetry")]
    pub(crate) fn traced(mut self) -> Self {
        crate::instrumentation::opentelemetry::inject_current(&mut self.headers);
        self
    }
}
