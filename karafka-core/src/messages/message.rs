//! One Kafka message, owned, with its payload decoded on demand.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::de::DeserializeOwned;

use super::{DecodeError, Headers, PayloadDecoder};

/// What the messages of one partition share: their topic, partition and payload format.
#[derive(Debug)]
pub(crate) struct Origin {
    pub(crate) topic: String,
    pub(crate) partition: i32,
    pub(crate) decoder: PayloadDecoder,
}

impl Origin {
    pub(crate) fn new(
        topic: impl Into<String>,
        partition: i32,
        decoder: PayloadDecoder,
    ) -> Arc<Self> {
        Arc::new(Self {
            topic: topic.into(),
            partition,
            decoder,
        })
    }
}

/// A message read from Kafka.
#[derive(Debug, Clone)]
pub struct Message {
    origin: Arc<Origin>,
    offset: i64,
    key: Option<Vec<u8>>,
    payload: Option<Vec<u8>>,
    headers: Headers,
    timestamp: Option<i64>,
}

impl Message {
    /// A message with a JSON-decoded payload, as tests of consumers build them.
    pub fn new(
        topic: impl Into<String>,
        partition: i32,
        offset: i64,
        payload: Option<Vec<u8>>,
    ) -> Self {
        Self::from_parts(
            Origin::new(topic, partition, PayloadDecoder::Json),
            offset,
            payload,
        )
    }

    pub(crate) fn from_parts(origin: Arc<Origin>, offset: i64, payload: Option<Vec<u8>>) -> Self {
        Self {
            origin,
            offset,
            key: None,
            payload,
            headers: Headers::new(),
            timestamp: None,
        }
    }

    /// This message with `key`.
    pub fn with_key(mut self, key: impl Into<Vec<u8>>) -> Self {
        self.key = Some(key.into());
        self
    }

    /// This message with `headers`.
    pub fn with_headers(mut self, headers: Headers) -> Self {
        self.headers = headers;
        self
    }

    /// This message with a timestamp in milliseconds since the Unix epoch.
    pub fn with_timestamp_millis(mut self, millis: i64) -> Self {
        self.timestamp = Some(millis);
        self
    }

    /// The topic the message was read from.
    pub fn topic(&self) -> &str {
        &self.origin.topic
    }

    /// The partition the message was read from.
    pub fn partition(&self) -> i32 {
        self.origin.partition
    }

    /// The message's offset in its partition.
    pub fn offset(&self) -> i64 {
        self.offset
    }

    /// The message's key, if it has one.
    pub fn key(&self) -> Option<&[u8]> {
        self.key.as_deref()
    }

    /// The raw payload; `None` for a tombstone (null payload).
    pub fn raw_payload(&self) -> Option<&[u8]> {
        self.payload.as_deref()
    }

    /// Whether the message is a tombstone: a null payload, which on a compacted topic deletes
    /// its key. Decode such topics as `payload::<Option<T>>()`, which reads a tombstone as `None`.
    pub fn is_tombstone(&self) -> bool {
        self.payload.is_none()
    }

    /// Decodes the payload with the topic's deserializer (JSON unless the route says otherwise).
    /// Each call decodes again; keep the value where it is needed more than once.
    ///
    /// A null payload decodes as JSON `null`, so `payload::<Option<T>>()` reads tombstones.
    ///
    /// # Errors
    /// A [`DecodeError`] naming the topic, partition and offset.
    pub fn payload<T: DeserializeOwned>(&self) -> Result<T, DecodeError> {
        self.origin
            .decoder
            .decode(self.raw_payload())
            .map_err(|error| DecodeError {
                topic: self.topic().to_owned(),
                partition: self.partition(),
                offset: self.offset,
                error,
            })
    }

    /// The message's headers.
    pub fn headers(&self) -> &Headers {
        &self.headers
    }

    /// The timestamp Kafka recorded (create or log-append time), in milliseconds since the Unix
    /// epoch.
    pub fn timestamp_millis(&self) -> Option<i64> {
        self.timestamp
    }

    /// The timestamp as a [`SystemTime`].
    pub fn timestamp(&self) -> Option<SystemTime> {
        let millis = u64::try_from(self.timestamp?).ok()?;
        UNIX_EPOCH.checked_add(Duration::from_millis(millis))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct Order {
        id: u32,
    }

    #[test]
    fn payload_decodes_json_lazily() {
        let message = Message::new("orders", 2, 41, Some(br#"{"id":7}"#.to_vec()));
        assert_eq!(message.payload::<Order>().unwrap(), Order { id: 7 });
    }

    #[test]
    fn a_bad_payload_names_its_coordinates() {
        let message = Message::new("orders", 2, 41, Some(b"not json".to_vec()));
        let text = message.payload::<Order>().unwrap_err().to_string();
        assert!(text.contains("orders/2 at offset 41"), "{text}");
    }

    #[test]
    fn a_tombstone_reads_as_none() {
        let message = Message::new("orders", 0, 1, None);
        assert!(message.is_tombstone());
        assert_eq!(message.payload::<Option<Order>>().unwrap(), None);
        assert!(message.payload::<Order>().is_err());
        let empty = Message::new("orders", 0, 2, Some(Vec::new()));
        assert!(!empty.is_tombstone(), "an empty payload is not null");
    }
}
