//! A consumer's panic, turned into an error of its batch.

use std::any::Any;

/// A consumer panicked while handling a batch. The process goes on; the batch is retried like
/// after an error.
#[derive(Debug, thiserror::Error)]
#[error("consumer panicked: {message}")]
pub struct Panicked {
    /// The panic's message, when it carried text.
    pub message: String,
}

impl Panicked {
    pub(crate) fn from_payload(payload: &(dyn Any + Send)) -> Self {
        let message = payload
            .downcast_ref::<&str>()
            .map(|text| (*text).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a non-text panic payload".to_owned());
        Self { message }
    }
}
