//! Formats for the tests of routes with their own deserializers.

use serde::de::value::U64Deserializer;

use super::{Deserializer, HeadersDeserializer, Visit};
use crate::messages::Headers;
use crate::BoxError;

/// JSON through the trait, so a test sees which deserializer ran by what it accepts.
pub(crate) struct JsonThroughVisit;

impl Deserializer for JsonThroughVisit {
    fn deserialize(&self, bytes: &[u8], visit: Visit<'_>) -> Result<(), BoxError> {
        visit.with(&mut serde_json::Deserializer::from_slice(bytes))
    }
}

/// Keys of 8 big-endian bytes, as Java's `LongSerializer` writes them.
pub(crate) struct BigEndianU64;

impl Deserializer for BigEndianU64 {
    fn deserialize(&self, key: &[u8], visit: Visit<'_>) -> Result<(), BoxError> {
        let bytes: [u8; 8] = key
            .try_into()
            .map_err(|_| format!("expected 8 bytes, got {}", key.len()))?;
        visit.with(U64Deserializer::<serde::de::value::Error>::new(
            u64::from_be_bytes(bytes),
        ))
    }
}

/// Every header's name, as a list, whatever the values.
pub(crate) struct HeaderNames;

impl HeadersDeserializer for HeaderNames {
    fn deserialize(&self, headers: &Headers, visit: Visit<'_>) -> Result<(), BoxError> {
        let names: Vec<&str> = headers.iter().map(|header| header.key.as_str()).collect();
        visit.with(serde_json::json!(names))
    }
}
