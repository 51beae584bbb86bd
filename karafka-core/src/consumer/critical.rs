//! Errors after which a process cannot go on.

use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;

use super::find_cause;
use crate::BoxError;

/// Marks an error as critical: instead of retrying the batch, the server stops gracefully (as
/// on SIGTERM) and exits with an error naming it. For failures no retry can fix, such as a
/// schema the process does not know or lost credentials.
///
/// ```
/// use karafka::consumer::Critical;
///
/// fn check(version: u32) -> anyhow::Result<()> {
///     if version > 2 {
///         return Err(Critical::new(format!("payload schema {version} is unknown")).into());
///     }
///     Ok(())
/// }
/// ```
#[derive(Debug)]
pub struct Critical(BoxError);

impl Critical {
    /// `error`, marked critical.
    pub fn new(error: impl Into<BoxError>) -> Self {
        Self(error.into())
    }
}

impl fmt::Display for Critical {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "critical: {}", self.0)
    }
}

impl StdError for Critical {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(self.0.as_ref())
    }
}

/// Tells whether an error in a chain is of a type a route declared critical.
pub(crate) type CriticalTest = Arc<dyn Fn(&(dyn StdError + 'static)) -> bool + Send + Sync>;

/// The test for errors of type `E` anywhere in a chain.
pub(crate) fn critical_type<E: StdError + 'static>() -> CriticalTest {
    Arc::new(|error| find_cause::<E>(error).is_some())
}

/// Whether `error` is critical: marked with [`Critical`], or matched by one of `tests`.
pub(crate) fn is_critical(error: &(dyn StdError + 'static), tests: &[CriticalTest]) -> bool {
    find_cause::<Critical>(error).is_some() || tests.iter().any(|test| test(error))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("disk full")]
    struct DiskFull;

    #[test]
    fn marked_errors_and_declared_types_are_critical_anywhere_in_the_chain() {
        let marked = anyhow::Error::new(Critical::new("schema 9")).context("handling offset 4");
        let marked: BoxError = marked.into();
        assert!(is_critical(marked.as_ref(), &[]));
        let typed: BoxError = anyhow::Error::new(DiskFull).context("writing").into();
        assert!(!is_critical(typed.as_ref(), &[]));
        assert!(is_critical(typed.as_ref(), &[critical_type::<DiskFull>()]));
        let other: BoxError = "timeout".into();
        assert!(!is_critical(other.as_ref(), &[critical_type::<DiskFull>()]));
    }
}
