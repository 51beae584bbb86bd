//! The JSON a job travels in: its type name, arguments, id, when it was enqueued and its
//! attempt. Pure: encoding and decoding, no I/O.

use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use super::Job;

/// The envelope format this version writes and reads.
pub const ENVELOPE_VERSION: u32 = 1;

/// A job as it is stored in Kafka (the record's payload), e.g.
/// `{"version":1,"type":"SendEmail","id":"0193…","arguments":{"to":"ada@example.com"},
/// "enqueued_at":"2026-12-02T16:20:00.123Z","attempt":1}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    version: u32,
    #[serde(rename = "type")]
    job_type: String,
    id: String,
    arguments: serde_json::Value,
    #[serde(with = "rfc3339")]
    enqueued_at: SystemTime,
    attempt: u32,
}

/// Why a payload is not an envelope this version can read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EnvelopeError {
    /// The message has no payload.
    #[error("the message has no payload (a tombstone), not a job envelope")]
    Empty,
    /// The payload is not an envelope's JSON.
    #[error("the payload is not a job envelope: {0}")]
    Malformed(String),
    /// The envelope was written by a format this version does not know.
    #[error(
        "the envelope's version {found} is not supported (this version reads {ENVELOPE_VERSION})"
    )]
    Version {
        /// The envelope's version.
        found: u32,
    },
}

impl Envelope {
    /// The envelope of `job`, enqueued at `enqueued_at` with `id`, as its first attempt.
    ///
    /// # Errors
    /// The serializer's error when `job`'s fields cannot be represented as JSON.
    pub(crate) fn of<J: Job>(
        job: &J,
        id: String,
        enqueued_at: SystemTime,
    ) -> Result<Self, serde_json::Error> {
        Ok(Self {
            version: ENVELOPE_VERSION,
            job_type: J::name().to_owned(),
            id,
            arguments: serde_json::to_value(job)?,
            enqueued_at: to_millis(enqueued_at),
            attempt: 1,
        })
    }

    /// The job type's name ([`Job::name`]).
    pub fn job_type(&self) -> &str {
        &self.job_type
    }

    /// The job's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The job's fields, as JSON.
    pub fn arguments(&self) -> &serde_json::Value {
        &self.arguments
    }

    /// When the job was enqueued (to the millisecond).
    pub fn enqueued_at(&self) -> SystemTime {
        self.enqueued_at
    }

    /// Which attempt of the job this envelope is: 1 when it was first enqueued.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// The envelope as JSON bytes, the record's payload.
    pub(crate) fn encode(&self) -> Vec<u8> {
        // A struct of strings, numbers and a JSON value: serializing it cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// The envelope in a record's payload (e.g. to read a dead letter).
    ///
    /// # Errors
    /// [`EnvelopeError`] saying why it is not one.
    pub fn decode(payload: Option<&[u8]>) -> Result<Self, EnvelopeError> {
        let payload = payload.ok_or(EnvelopeError::Empty)?;
        // The version first, so a newer format is reported as such, not as malformed.
        #[derive(Deserialize)]
        struct Versioned {
            version: u32,
        }
        let versioned: Versioned = serde_json::from_slice(payload)
            .map_err(|error| EnvelopeError::Malformed(error.to_string()))?;
        if versioned.version != ENVELOPE_VERSION {
            return Err(EnvelopeError::Version {
                found: versioned.version,
            });
        }
        serde_json::from_slice(payload).map_err(|error| EnvelopeError::Malformed(error.to_string()))
    }
}

/// `SystemTime` as an RFC 3339 timestamp in UTC with milliseconds.
mod rfc3339 {
    use std::time::SystemTime;

    use serde::{de, Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(
        time: &SystemTime,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&humantime::format_rfc3339_millis(*time))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<SystemTime, D::Error> {
        let text = String::deserialize(deserializer)?;
        humantime::parse_rfc3339(&text).map_err(de::Error::custom)
    }
}

/// `time` cut to whole milliseconds, as the envelope keeps it.
fn to_millis(time: SystemTime) -> SystemTime {
    let since_epoch = time
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default();
    SystemTime::UNIX_EPOCH + Duration::from_millis(since_epoch.as_millis() as u64)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::{json, Value};

    use super::*;

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            ".{0,12}".prop_map(Value::from),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
                proptest::collection::btree_map("[a-z_]{1,8}", inner, 0..4)
                    .prop_map(|map| Value::Object(map.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn an_envelope_decodes_to_what_was_encoded(
            job_type in "[A-Za-z_][A-Za-z0-9_<>:]{0,30}",
            id in "[0-9a-f]{1,32}",
            arguments in json_value(),
            millis in 0u64..4_102_444_800_000,
            attempt in 1u32..1000,
        ) {
            let envelope = Envelope {
                version: ENVELOPE_VERSION,
                job_type,
                id,
                arguments,
                enqueued_at: SystemTime::UNIX_EPOCH + Duration::from_millis(millis),
                attempt,
            };
            prop_assert_eq!(Envelope::decode(Some(&envelope.encode())), Ok(envelope));
        }

        #[test]
        fn arbitrary_bytes_never_panic_the_decoder(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = Envelope::decode(Some(&bytes));
        }
    }

    #[test]
    fn what_is_not_a_readable_envelope_says_why() {
        assert_eq!(Envelope::decode(None), Err(EnvelopeError::Empty));
        assert!(matches!(
            Envelope::decode(Some(b"not json")),
            Err(EnvelopeError::Malformed(_))
        ));
        let newer = json!({"version": 2, "type": "A"}).to_string();
        assert_eq!(
            Envelope::decode(Some(newer.as_bytes())),
            Err(EnvelopeError::Version { found: 2 })
        );
        let missing = json!({"version": 1, "type": "A", "id": "1"}).to_string();
        let error = Envelope::decode(Some(missing.as_bytes())).unwrap_err();
        assert!(error.to_string().contains("missing field"), "{error}");
    }

    #[test]
    fn the_wire_format_names_its_fields_and_writes_the_time_in_rfc_3339() {
        let envelope = Envelope {
            version: 1,
            job_type: "SendEmail".into(),
            id: "42".into(),
            arguments: json!({"to": "ada"}),
            enqueued_at: SystemTime::UNIX_EPOCH + Duration::from_millis(1_700_000_000_123),
            attempt: 1,
        };
        let wire: Value = serde_json::from_slice(&envelope.encode()).unwrap();
        assert_eq!(
            wire,
            json!({
                "version": 1,
                "type": "SendEmail",
                "id": "42",
                "arguments": {"to": "ada"},
                "enqueued_at": "2023-11-14T22:13:20.123Z",
                "attempt": 1,
            })
        );
    }
}
