//! A consumer's error, as it travels through its topic's layers, and why a dead-letter dispatch
//! failed.

use std::error::Error;
use std::fmt;

use crate::producer::ProduceError;

/// What a consumer's `consume` returned as its error. Displays the whole context chain on one
/// line; [`find_cause`] looks inside it.
#[derive(Debug)]
pub struct ConsumeError(anyhow::Error);

impl ConsumeError {
    pub(crate) fn new(error: anyhow::Error) -> Self {
        Self(error)
    }
}

impl fmt::Display for ConsumeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#}", self.0)
    }
}

// The chain is part of the message, so `source` stays empty and printing a chain does not repeat
// it; `find_cause` still sees every error in it.
impl Error for ConsumeError {}

/// The first error of type `E` in `error` or its causes, including the context chain of a
/// consumer's error (e.g. a [`Fatal`](crate::middleware::Fatal) the consumer returned).
pub fn find_cause<'a, E: Error + 'static>(error: &'a (dyn Error + 'static)) -> Option<&'a E> {
    let mut current = Some(error);
    while let Some(error) = current {
        if let Some(found) = error.downcast_ref::<E>() {
            return Some(found);
        }
        if let Some(consume) = error.downcast_ref::<ConsumeError>() {
            return consume
                .0
                .chain()
                .find_map(|cause| cause.downcast_ref::<E>());
        }
        current = error.source();
    }
    None
}

/// Why a message could not be sent to the dead-letter queue; the message stays unmarked.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
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

/// Why [`Context::offset_metadata`](super::Context::offset_metadata) could not read the
/// committed offset metadata.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("reading the committed offset metadata of {topic}/{partition} failed: {reason}")]
pub struct MetadataError {
    /// The topic.
    pub topic: String,
    /// The partition.
    pub partition: i32,
    /// What the broker (or the wait for it) said.
    pub reason: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::BoxError;

    #[derive(Debug, thiserror::Error)]
    #[error("the marker")]
    struct Marker;

    #[test]
    fn causes_are_found_through_the_context_chain() {
        let wrapped: BoxError =
            ConsumeError::new(anyhow::Error::new(Marker).context("while charging")).into();
        assert!(find_cause::<Marker>(wrapped.as_ref()).is_some());
        assert_eq!(wrapped.to_string(), "while charging: the marker");
        let bare: BoxError = ConsumeError::new(anyhow::anyhow!("plain")).into();
        assert!(find_cause::<Marker>(bare.as_ref()).is_none());
    }
}
