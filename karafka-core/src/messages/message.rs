//! One Kafka message, owned, with its payload, key and headers decoded on demand.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::de::DeserializeOwned;

use super::{DecodeError, Deserializers, Headers, MessagePart};

/// What the messages of one partition share: their topic, partition and their route's
/// deserializers.
#[derive(Debug)]
pub(crate) struct Origin {
    pub(crate) topic: String,
    pub(crate) partition: i32,
    pub(crate) deserializers: Deserializers,
}

impl Origin {
    pub(crate) fn new(
        topic: impl Into<String>,
        partition: i32,
        deserializers: Deserializers,
    ) -> Arc<Self> {
        Arc::new(Self {
            topic: topic.into(),
            partition,
            deserializers,
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
    /// A message decoded with the built-in [`Deserializers`] (a JSON payload, a text key and
    /// headers), as tests of consumers build them.
    pub fn new(
        topic: impl Into<String>,
        partition: i32,
        offset: i64,
        payload: Option<Vec<u8>>,
    ) -> Self {
        Self::from_parts(
            Origin::new(topic, partition, Deserializers::new()),
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

    /// This message decoded with `deserializers`, as its route's would: for tests of consumers
    /// of a route with its own formats.
    pub fn with_deserializers(mut self, deserializers: Deserializers) -> Self {
        self.origin = Origin::new(self.topic(), self.partition(), deserializers);
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

    /// Decodes the payload with the route's deserializer (JSON unless the route says otherwise).
    /// Each call decodes again; keep the value where it is needed more than once.
    ///
    /// A null payload decodes as JSON `null`, so `payload::<Option<T>>()` reads tombstones.
    ///
    /// # Errors
    /// A [`DecodeError`] naming the topic, partition, offset and the payload.
    pub fn payload<T: DeserializeOwned>(&self) -> Result<T, DecodeError> {
        self.origin
            .deserializers
            .decode_payload(self.raw_payload())
            .map_err(|error| self.decode_error(MessagePart::Payload, error))
    }

    /// Decodes the key with the route's key deserializer: by default the key is read as text,
    /// so `key_as::<String>()` is the key, `key_as::<u64>()` parses it (see [`Deserializers`]).
    /// `Ok(None)` for a message without key, whose key deserializer is not called. Each call
    /// decodes again; the raw key stays at [`Message::key`].
    ///
    /// # Errors
    /// A [`DecodeError`] naming the topic, partition, offset and the key.
    pub fn key_as<T: DeserializeOwned>(&self) -> Result<Option<T>, DecodeError> {
        self.key()
            .map(|key| self.origin.deserializers.decode_key(key))
            .transpose()
            .map_err(|error| self.decode_error(MessagePart::Key, error))
    }

    /// The message's headers, raw, in the order sent.
    pub fn headers(&self) -> &Headers {
        &self.headers
    }

    /// Decodes the headers with the route's headers deserializer into a typed view: by default
    /// a map of each header's name to its value read as text, so a struct of the headers the
    /// consumer needs decodes from them (numbers parsed, a missing or null header `None` for an
    /// `Option` field; see [`Deserializers`]). Each call decodes again; the raw headers stay at
    /// [`Message::headers`].
    ///
    /// ```
    /// use karafka::messages::Headers;
    /// use karafka::Message;
    ///
    /// #[derive(serde::Deserialize)]
    /// struct Meta {
    ///     #[serde(rename = "trace-id")]
    ///     trace_id: String,
    ///     retries: Option<u32>,
    /// }
    ///
    /// let mut headers = Headers::new();
    /// headers.insert("trace-id", Some(b"4bf92f35".to_vec()));
    /// headers.insert("retries", Some(b"2".to_vec()));
    /// let message = Message::new("orders", 0, 7, None).with_headers(headers);
    /// let meta: Meta = message.headers_as()?;
    /// assert_eq!((meta.trace_id.as_str(), meta.retries), ("4bf92f35", Some(2)));
    /// # Ok::<(), karafka::messages::DecodeError>(())
    /// ```
    ///
    /// # Errors
    /// A [`DecodeError`] naming the topic, partition, offset and the headers.
    pub fn headers_as<T: DeserializeOwned>(&self) -> Result<T, DecodeError> {
        self.origin
            .deserializers
            .decode_headers(&self.headers)
            .map_err(|error| self.decode_error(MessagePart::Headers, error))
    }

    fn decode_error(&self, part: MessagePart, error: crate::BoxError) -> DecodeError {
        DecodeError {
            part,
            topic: self.topic().to_owned(),
            partition: self.partition(),
            offset: self.offset,
            error,
        }
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
    use std::collections::HashMap;

    use super::*;
    use crate::messages::test_formats::BigEndianU64;

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
        assert!(
            text.starts_with("payload of orders/2 at offset 41"),
            "{text}"
        );
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

    #[test]
    fn a_key_reads_as_text_by_default_and_none_without_key() {
        let message = Message::new("orders", 0, 1, None).with_key("42");
        assert_eq!(message.key_as::<String>().unwrap().as_deref(), Some("42"));
        assert_eq!(message.key_as::<u64>().unwrap(), Some(42));
        assert_eq!(
            Message::new("orders", 0, 2, None).key_as::<u64>().unwrap(),
            None
        );
    }

    #[test]
    fn a_route_key_deserializer_decodes_keys() {
        let message = Message::new("orders", 0, 1, None)
            .with_key(7u64.to_be_bytes())
            .with_deserializers(Deserializers::new().key(BigEndianU64));
        assert_eq!(message.key_as::<u64>().unwrap(), Some(7));
        assert_eq!(message.topic(), "orders", "the coordinates are kept");
    }

    #[test]
    fn a_bad_key_names_the_key_and_its_coordinates() {
        let message = Message::new("orders", 3, 41, Some(b"{}".to_vec()))
            .with_key("abc")
            .with_deserializers(Deserializers::new().key(BigEndianU64));
        let error = message.key_as::<u64>().unwrap_err();
        assert_eq!(error.part, MessagePart::Key);
        let text = error.to_string();
        assert!(
            text.starts_with("key of orders/3 at offset 41 could not be decoded"),
            "{text}"
        );
        assert!(text.contains("expected 8 bytes, got 3"), "{text}");
        assert!(
            message.payload::<serde_json::Value>().is_ok(),
            "other parts still decode"
        );
    }

    #[test]
    fn bad_headers_name_the_headers_and_their_coordinates() {
        let mut headers = Headers::new();
        headers.insert("retries", Some(b"many".to_vec()));
        let message = Message::new("orders", 1, 9, None).with_headers(headers);
        let error = message.headers_as::<HashMap<String, u32>>().unwrap_err();
        assert_eq!(error.part, MessagePart::Headers);
        assert!(
            error
                .to_string()
                .starts_with("headers of orders/1 at offset 9"),
            "{error}"
        );
        let text: HashMap<String, String> = message.headers_as().unwrap();
        assert_eq!(text["retries"], "many");
    }
}
