//! The wire format of scheduled messages on the schedules topic (Karafka's, in its header names):
//! an envelope per scheduled message, a cancel, and the tombstone written after a dispatch. Every
//! one is keyed by the message's [`ScheduleId`], so the three land in one partition, in order,
//! and compaction (`cleanup.policy=compact`) keeps only the last.
//!
//! - schedule: the target's payload and headers, plus `schedule_schema_version`,
//!   `schedule_source_type = schedule`, `schedule_target_epoch_ms` (the time, in milliseconds
//!   since the Unix epoch: Karafka's `schedule_target_epoch` is in seconds, too coarse for a
//!   one-second tolerance), `schedule_target_topic`, and `schedule_target_partition`,
//!   `schedule_target_key`, `schedule_target_timestamp_ms` when the target sets them;
//! - cancel: a null payload with `schedule_source_type = cancel`;
//! - tombstone: a null payload with `schedule_source_type = tombstone`, the time and the
//!   envelope's offset (`schedule_source_offset`).
//!
//! Pure: records in, records out.

use crate::messages::Message;
use crate::producer::Record;

use super::ScheduleId;

/// The version of this format, in `schedule_schema_version` (Karafka's current one).
pub(crate) const SCHEMA_VERSION: &str = "1.0.0";
/// The major version this code reads; envelopes of a later one are refused, not misread.
const SCHEMA_MAJOR: &str = "1";

/// Header names, Karafka's where it has them.
pub(crate) mod header {
    /// The format's version.
    pub(crate) const SCHEMA_VERSION: &str = "schedule_schema_version";
    /// `schedule`, `cancel` or `tombstone`.
    pub(crate) const SOURCE_TYPE: &str = "schedule_source_type";
    /// When to dispatch, in milliseconds since the Unix epoch.
    pub(crate) const TARGET_EPOCH_MS: &str = "schedule_target_epoch_ms";
    /// The target's topic.
    pub(crate) const TARGET_TOPIC: &str = "schedule_target_topic";
    /// The target's partition, in decimal, when it names one.
    pub(crate) const TARGET_PARTITION: &str = "schedule_target_partition";
    /// The target's key (raw bytes), when it has one.
    pub(crate) const TARGET_KEY: &str = "schedule_target_key";
    /// The target's timestamp, in decimal milliseconds, when it sets one.
    pub(crate) const TARGET_TIMESTAMP_MS: &str = "schedule_target_timestamp_ms";
    /// On a dispatched message: the schedules topic it came from.
    pub(crate) const SOURCE_TOPIC: &str = "schedule_source_topic";
    /// On a dispatched message: the schedules partition it came from.
    pub(crate) const SOURCE_PARTITION: &str = "schedule_source_partition";
    /// On a dispatched message and a tombstone: the envelope's offset.
    pub(crate) const SOURCE_OFFSET: &str = "schedule_source_offset";
    /// On a dispatched message: the schedule id.
    pub(crate) const SOURCE_KEY: &str = "schedule_source_key";

    /// The headers an envelope uses for itself; a target record may not carry them.
    pub(crate) const RESERVED: [&str; 7] = [
        SCHEMA_VERSION,
        SOURCE_TYPE,
        TARGET_EPOCH_MS,
        TARGET_TOPIC,
        TARGET_PARTITION,
        TARGET_KEY,
        TARGET_TIMESTAMP_MS,
    ];
}

/// `schedule_source_type` values.
const SCHEDULE: &str = "schedule";
const CANCEL: &str = "cancel";
const TOMBSTONE: &str = "tombstone";

/// The envelope of `target`, due at `at_ms`, for the schedules topic `topic`.
pub(crate) fn schedule(topic: &str, id: &ScheduleId, target: Record, at_ms: i64) -> Record {
    let mut envelope = Record::raw(topic, target.payload).key(id.as_key());
    envelope.headers = target.headers;
    envelope = versioned(envelope, SCHEDULE)
        .header(header::TARGET_EPOCH_MS, at_ms.to_string())
        .header(header::TARGET_TOPIC, target.topic);
    if let Some(partition) = target.partition {
        envelope = envelope.header(header::TARGET_PARTITION, partition.to_string());
    }
    if let Some(key) = target.key {
        envelope = envelope.header(header::TARGET_KEY, key);
    }
    if let Some(timestamp) = target.timestamp {
        envelope = envelope.header(header::TARGET_TIMESTAMP_MS, timestamp.to_string());
    }
    envelope
}

/// The cancel of `id` for the schedules topic `topic`.
pub(crate) fn cancel(topic: &str, id: &ScheduleId) -> Record {
    versioned(Record::tombstone(topic, id.as_key()), CANCEL)
}

/// The tombstone written after the envelope of `id` (at `offset` of `partition`) was dispatched.
pub(crate) fn tombstone(
    topic: &str,
    partition: i32,
    id: &ScheduleId,
    at_ms: i64,
    offset: i64,
) -> Record {
    versioned(Record::tombstone(topic, id.as_key()), TOMBSTONE)
        .partition(partition)
        .header(header::TARGET_EPOCH_MS, at_ms.to_string())
        .header(header::SOURCE_OFFSET, offset.to_string())
}

fn versioned(record: Record, source_type: &str) -> Record {
    record
        .header(header::SCHEMA_VERSION, SCHEMA_VERSION)
        .header(header::SOURCE_TYPE, source_type)
}

/// A record of the schedules topic, read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Envelope {
    /// Dispatch `target` at `at_ms`.
    Schedule {
        id: ScheduleId,
        at_ms: i64,
        target: Record,
    },
    /// Do not dispatch `id`.
    Cancel { id: ScheduleId },
    /// `id` was dispatched (or deleted by hand: any keyed null payload without headers).
    Tombstone { id: ScheduleId },
}

/// Why a record of the schedules topic is not an envelope, a cancel or a tombstone.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum EnvelopeError {
    /// No key, or a key that is not UTF-8: no schedule id.
    #[error("it has no schedule id (its key is missing or not UTF-8)")]
    NoId,
    /// Written by a later, incompatible version of the format.
    #[error("its schema version `{0}` is newer than this code reads ({SCHEMA_VERSION})")]
    IncompatibleSchema(String),
    /// An unknown `schedule_source_type`.
    #[error("its `schedule_source_type` `{0}` is none of schedule, cancel, tombstone")]
    UnknownType(String),
    /// A required header is missing or does not parse.
    #[error("its header `{0}` is missing or malformed")]
    BadHeader(&'static str),
    /// A schedule without a payload.
    #[error("it is a schedule without a payload")]
    NoPayload,
}

impl Envelope {
    /// Reads a record of the schedules topic.
    ///
    /// # Errors
    /// [`EnvelopeError`] naming what is missing or wrong.
    pub(crate) fn decode(message: &Message) -> Result<Self, EnvelopeError> {
        let id = message
            .key()
            .and_then(|key| std::str::from_utf8(key).ok())
            .map(ScheduleId::from)
            .ok_or(EnvelopeError::NoId)?;
        let headers = message.headers();
        if let Some(version) = headers.get_str(header::SCHEMA_VERSION) {
            if version.split('.').next() != Some(SCHEMA_MAJOR) {
                return Err(EnvelopeError::IncompatibleSchema(version.to_owned()));
            }
        }
        let source_type = headers.get_str(header::SOURCE_TYPE);
        match source_type {
            Some(SCHEDULE) => {}
            Some(CANCEL) => return Ok(Self::Cancel { id }),
            Some(TOMBSTONE) => return Ok(Self::Tombstone { id }),
            // A keyed null payload without our headers deletes the key, as compaction reads it.
            None if message.is_tombstone() => return Ok(Self::Tombstone { id }),
            None => return Err(EnvelopeError::BadHeader(header::SOURCE_TYPE)),
            Some(other) => return Err(EnvelopeError::UnknownType(other.to_owned())),
        }
        let at_ms = parsed(message, header::TARGET_EPOCH_MS)?
            .ok_or(EnvelopeError::BadHeader(header::TARGET_EPOCH_MS))?;
        let topic = headers
            .get_str(header::TARGET_TOPIC)
            .filter(|topic| !topic.is_empty())
            .ok_or(EnvelopeError::BadHeader(header::TARGET_TOPIC))?;
        let payload = message.raw_payload().ok_or(EnvelopeError::NoPayload)?;
        let mut target = Record::new(topic, payload);
        target.headers = headers
            .iter()
            .filter(|h| !header::RESERVED.contains(&h.key.as_str()))
            .map(|h| (h.key.clone(), h.value.clone()))
            .collect();
        target.partition = parsed(message, header::TARGET_PARTITION)?;
        target.key = headers.get(header::TARGET_KEY).map(<[u8]>::to_vec);
        target.timestamp = parsed(message, header::TARGET_TIMESTAMP_MS)?;
        Ok(Self::Schedule { id, at_ms, target })
    }
}

/// A decimal header: `None` when absent, an error when present and not a number.
fn parsed<T: std::str::FromStr>(
    message: &Message,
    name: &'static str,
) -> Result<Option<T>, EnvelopeError> {
    match message.headers().get(name) {
        None => Ok(None),
        Some(raw) => std::str::from_utf8(raw)
            .ok()
            .and_then(|text| text.parse().ok())
            .map(Some)
            .ok_or(EnvelopeError::BadHeader(name)),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::messages::Headers;

    /// `record` as the consumer of its topic reads it, at `offset`.
    fn read_back(record: Record, offset: i64) -> Message {
        let mut headers = Headers::new();
        for (key, value) in record.headers {
            headers.insert(key, value);
        }
        let mut message =
            Message::new(record.topic, 0, offset, record.payload).with_headers(headers);
        if let Some(key) = record.key {
            message = message.with_key(key);
        }
        message
    }

    fn target() -> impl Strategy<Value = Record> {
        (
            "[a-z][a-z0-9._-]{0,20}",
            proptest::collection::vec(any::<u8>(), 0..64),
            proptest::option::of(proptest::collection::vec(any::<u8>(), 0..16)),
            proptest::option::of(0..64i32),
            proptest::option::of(0..i64::MAX),
            proptest::collection::vec(
                (
                    "[a-z]{1,8}",
                    proptest::option::of(proptest::collection::vec(any::<u8>(), 0..8)),
                ),
                0..4,
            ),
        )
            .prop_map(|(topic, payload, key, partition, timestamp, headers)| {
                let mut record = Record::new(topic, payload);
                record.key = key;
                record.partition = partition;
                record.timestamp = timestamp;
                record.headers = headers;
                record
            })
    }

    proptest! {
        #[test]
        fn an_envelope_reads_back_as_its_target_and_time(
            target in target(),
            at_ms in 0..i64::MAX,
            offset in 0..i64::MAX,
        ) {
            let id = ScheduleId::generate(target.topic());
            let envelope = schedule("schedules", &id, target.clone(), at_ms);
            prop_assert_eq!(envelope.key.as_deref(), Some(id.as_str().as_bytes()));
            prop_assert!(envelope.payload.is_some(), "never a tombstone to compaction");
            let read = Envelope::decode(&read_back(envelope, offset));
            prop_assert_eq!(read, Ok(Envelope::Schedule { id, at_ms, target }));
        }

        #[test]
        fn cancels_and_tombstones_read_back_under_their_id(topic in "[a-z]{1,12}", at_ms in 0..i64::MAX) {
            let id = ScheduleId::generate(&topic);
            let cancelled = Envelope::decode(&read_back(cancel("schedules", &id), 1));
            prop_assert_eq!(cancelled, Ok(Envelope::Cancel { id: id.clone() }));
            let done = Envelope::decode(&read_back(tombstone("schedules", 0, &id, at_ms, 1), 2));
            prop_assert_eq!(done, Ok(Envelope::Tombstone { id }));
        }
    }

    #[test]
    fn a_bare_keyed_tombstone_deletes_and_anything_else_is_refused_by_name() {
        let bare = Message::new("schedules", 0, 0, None).with_key("orders-1");
        assert_eq!(
            Envelope::decode(&bare),
            Ok(Envelope::Tombstone {
                id: "orders-1".into()
            })
        );
        let foreign = Message::new("schedules", 0, 1, Some(b"{}".to_vec())).with_key("orders-2");
        assert_eq!(
            Envelope::decode(&foreign),
            Err(EnvelopeError::BadHeader(header::SOURCE_TYPE))
        );
        let keyless = Message::new("schedules", 0, 2, Some(b"{}".to_vec()));
        assert_eq!(Envelope::decode(&keyless), Err(EnvelopeError::NoId));
        let mut headers = Headers::new();
        headers.insert(header::SCHEMA_VERSION, Some(b"2.0.0".to_vec()));
        headers.insert(header::SOURCE_TYPE, Some(b"schedule".to_vec()));
        let later = Message::new("schedules", 0, 3, Some(b"{}".to_vec()))
            .with_key("orders-3")
            .with_headers(headers);
        assert_eq!(
            Envelope::decode(&later),
            Err(EnvelopeError::IncompatibleSchema("2.0.0".into()))
        );
    }
}
