//! The wall clock of a test: the system's time when the test started, moved on by tokio's clock,
//! so under a paused clock (`#[tokio::test(start_paused = true)]`) message ages, delays and
//! throttles follow virtual time like backoffs do.

use std::time::SystemTime;

use tokio::time::Instant;

/// Wall-clock time that advances with tokio's (possibly paused) clock.
#[derive(Debug, Clone, Copy)]
pub(crate) struct VirtualClock {
    wall: SystemTime,
    started: Instant,
}

impl VirtualClock {
    /// A clock reading the system's time now.
    pub(crate) fn start() -> Self {
        Self {
            wall: SystemTime::now(),
            started: Instant::now(),
        }
    }

    /// The time now.
    pub(crate) fn now(&self) -> SystemTime {
        self.wall + self.started.elapsed()
    }

    /// The time now, in milliseconds since the Unix epoch.
    pub(crate) fn now_millis(&self) -> i64 {
        self.now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |since| {
                i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
            })
    }
}
