//! Errors of the dead-letter queue, and the marker for errors that must never be dispatched.

use std::error::Error;
use std::fmt;

use crate::producer::ProduceError;
use crate::BoxError;

/// Wraps an error that retrying cannot fix and that must not send the message to the
/// dead-letter queue (a bug, a missing configuration): the partition stays paused at the message
/// and the problem is reported until someone fixes it.
///
/// ```
/// # fn charge() -> Result<(), std::io::Error> { Ok(()) }
/// use karafka::middleware::Fatal;
///
/// # fn consume() -> anyhow::Result<()> {
/// charge().map_err(Fatal::new)?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Fatal(BoxError);

impl Fatal {
    /// Marks `error` as fatal.
    pub fn new(error: impl Into<BoxError>) -> Self {
        Self(error.into())
    }
}

impl fmt::Display for Fatal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "fatal: {}", self.0)
    }
}

impl Error for Fatal {}

/// Why a message could not be sent to the dead-letter queue; the message stays unmarked.
#[derive(Debug, thiserror::Error)]
pub enum DispatchError {
    /// The topic has no dead-letter queue (for [`Context::dispatch_to_dlq`](crate::Context::dispatch_to_dlq)).
    #[error("topic `{topic}` has no dead-letter queue")]
    NotConfigured {
        /// The source topic.
        topic: String,
    },
    /// The dead-letter write was not acknowledged.
    #[error("dispatching {topic}/{partition} at offset {offset} to the dead-letter queue failed: {error}")]
    Produce {
        /// The source topic.
        topic: String,
        /// The source partition.
        partition: i32,
        /// The message's offset.
        offset: i64,
        /// The producer's error.
        error: ProduceError,
    },
    /// The guard stopped dispatching: too many messages of the partition failed recently.
    #[error(
        "dead-letter guard: {dispatched} of the last {window} messages of {topic}/{partition} went to \
         the dead-letter queue; not dispatching offset {offset}, the partition stays paused"
    )]
    GuardTripped {
        /// The source topic.
        topic: String,
        /// The source partition.
        partition: i32,
        /// The message's offset.
        offset: i64,
        /// Dispatches within the window.
        dispatched: usize,
        /// The window's size.
        window: usize,
    },
    /// The partition was taken away before the message could be marked.
    #[error("{topic}/{partition} was revoked before offset {offset} was marked")]
    Revoked {
        /// The source topic.
        topic: String,
        /// The source partition.
        partition: i32,
        /// The message's offset.
        offset: i64,
    },
}
