//! A consumer's error, as it travels through its topic's layers.

use std::error::Error;
use std::fmt;

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
