//! Periodic ticks of a topic's consumers (Karafka's periodic jobs).

use std::time::Duration;

/// Karafka's default: tick at most once every five seconds.
const DEFAULT_INTERVAL: Duration = Duration::from_secs(5);

/// Runs [`Consumer::tick`](crate::Consumer::tick) on each assigned partition's consumer once
/// `interval` passed without a batch or a tick, also when no message arrives.
///
/// ```
/// use std::time::Duration;
/// use karafka::routing::Periodic;
///
/// // Tick every 100 ms, also while the partition is paused.
/// let periodic = Periodic::new().interval(Duration::from_millis(100)).during_pause(true);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Periodic {
    pub(crate) interval: Duration,
    during_pause: Option<bool>,
    pub(crate) during_retry: bool,
}

impl Default for Periodic {
    fn default() -> Self {
        Self {
            interval: DEFAULT_INTERVAL,
            during_pause: None,
            during_retry: false,
        }
    }
}

impl Periodic {
    /// Karafka's defaults: every 5 s, during pauses unless the topic runs long-running jobs, not
    /// while a failed batch waits for its retry.
    pub fn new() -> Self {
        Self::default()
    }

    /// The least time between two ticks, or between a batch and a tick.
    pub fn interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// Whether ticks go on while the partition is paused (by the consumer, a filter or a
    /// command); by default yes, unless the topic runs long-running jobs.
    pub fn during_pause(mut self, during_pause: bool) -> Self {
        self.during_pause = Some(during_pause);
        self
    }

    /// Whether ticks go on while a failed batch waits for its retry (default no).
    pub fn during_retry(mut self, during_retry: bool) -> Self {
        self.during_retry = during_retry;
        self
    }

    /// Whether ticks go on during a pause, for a topic that does (or does not) run long-running
    /// jobs.
    pub(crate) fn ticks_during_pause(&self, long_running_job: bool) -> bool {
        self.during_pause.unwrap_or(!long_running_job)
    }
}
