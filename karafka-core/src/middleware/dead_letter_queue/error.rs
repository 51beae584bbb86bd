//! The marker for errors that must never be dispatched; the errors of a dispatch are the
//! consumer's [`DispatchError`](crate::consumer::DispatchError).

use std::error::Error;
use std::fmt;

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

/// Wraps an error that retrying cannot fix because the message itself is bad (it does not
/// decode, it names something that does not exist): the dead-letter queue takes the message at
/// once, without retries and without asking the route's strategy (a skipping queue skips it).
/// Without a dead-letter queue nothing can take it: the partition stays at the message, retried
/// after each backoff, and the error names it.
///
/// ```
/// use karafka::middleware::NotRetryable;
///
/// fn version(payload: &serde_json::Value) -> anyhow::Result<u64> {
///     payload["version"]
///         .as_u64()
///         .ok_or_else(|| NotRetryable::new("the payload has no `version`").into())
/// }
/// # assert!(version(&serde_json::json!({})).is_err());
/// ```
#[derive(Debug)]
pub struct NotRetryable(BoxError);

impl NotRetryable {
    /// Marks `error` as not retryable.
    pub fn new(error: impl Into<BoxError>) -> Self {
        Self(error.into())
    }
}

impl fmt::Display for NotRetryable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not retryable: {}", self.0)
    }
}

impl Error for NotRetryable {}
