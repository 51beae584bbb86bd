//! The error of a payload that does not decode.

use crate::BoxError;

/// A payload that its topic's deserializer could not decode, with the message's coordinates.
///
/// Returned from a consumer (`message.payload()?`), it is handled like any handler error: the
/// partition pauses at this message and retries; nothing is skipped.
#[derive(Debug, thiserror::Error)]
#[error("payload of {topic}/{partition} at offset {offset} could not be decoded: {error}")]
pub struct DecodeError {
    /// The message's topic.
    pub topic: String,
    /// The message's partition.
    pub partition: i32,
    /// The message's offset.
    pub offset: i64,
    /// What the deserializer reported.
    pub error: BoxError,
}
