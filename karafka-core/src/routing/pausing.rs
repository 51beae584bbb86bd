//! A topic's own backoff after failures (Karafka's per-topic `pause` settings).

use std::time::Duration;

use super::Backoff;
use crate::config::Config;

/// How long a failing partition of this topic pauses before its next attempt; what is left
/// unset takes the app's `pause_timeout`, `pause_max_timeout` and
/// `pause_with_exponential_backoff`.
///
/// ```
/// use std::time::Duration;
/// use karafka::routing::Pausing;
///
/// let pausing = Pausing::new()
///     .timeout(Duration::from_millis(200))
///     .max_timeout(Duration::from_secs(5))
///     .with_exponential_backoff(true);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pausing {
    timeout: Option<Duration>,
    max_timeout: Option<Duration>,
    with_exponential_backoff: Option<bool>,
}

impl Pausing {
    /// Everything from the app's settings until set here.
    pub fn new() -> Self {
        Self::default()
    }

    /// The pause after the first failure (Karafka's `pause_timeout`).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The longest pause when the pauses grow (Karafka's `pause_max_timeout`).
    pub fn max_timeout(mut self, max_timeout: Duration) -> Self {
        self.max_timeout = Some(max_timeout);
        self
    }

    /// Whether each further failure doubles the pause, up to the max timeout.
    pub fn with_exponential_backoff(mut self, exponential: bool) -> Self {
        self.with_exponential_backoff = Some(exponential);
        self
    }

    /// These settings over the app's.
    pub(crate) fn backoff(&self, config: &Config) -> Backoff {
        Backoff::new(
            self.timeout.unwrap_or(config.pause_timeout),
            self.max_timeout.unwrap_or(config.pause_max_timeout),
            self.with_exponential_backoff
                .unwrap_or(config.pause_with_exponential_backoff),
        )
    }
}
