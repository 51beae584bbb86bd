//! The error of a payload, key or headers that do not decode.

use std::fmt;

use crate::BoxError;

/// A part of a message that its route's deserializer could not decode, with the message's
/// coordinates.
///
/// Returned from a consumer (`message.payload()?`, `message.key_as()?`, `message.headers_as()?`),
/// it is handled like any handler error: the partition pauses at this message and retries (or,
/// with a dead-letter queue, dispatches it after its retries); nothing is skipped.
#[derive(Debug, thiserror::Error)]
#[error("{part} of {topic}/{partition} at offset {offset} could not be decoded: {error}")]
pub struct DecodeError {
    /// The part that failed.
    pub part: MessagePart,
    /// The message's topic.
    pub topic: String,
    /// The message's partition.
    pub partition: i32,
    /// The message's offset.
    pub offset: i64,
    /// What the deserializer reported.
    pub error: BoxError,
}

/// A part of a message that a route decodes with its own deserializer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MessagePart {
    /// The payload ([`Message::payload`](crate::Message::payload)).
    Payload,
    /// The key ([`Message::key_as`](crate::Message::key_as)).
    Key,
    /// The headers ([`Message::headers_as`](crate::Message::headers_as)).
    Headers,
}

impl fmt::Display for MessagePart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Payload => "payload",
            Self::Key => "key",
            Self::Headers => "headers",
        })
    }
}
