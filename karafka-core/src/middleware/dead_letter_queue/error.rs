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
