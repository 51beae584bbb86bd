//! Time: the clock the subjects log by, and the seeded dice that time the faults.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A small deterministic generator (xorshift), so fault timing replays from the seed.
pub(crate) struct Dice(pub(crate) u64);

impl Dice {
    /// The next number.
    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A duration of `from` to `to` milliseconds.
    pub(crate) fn millis(&mut self, from: u64, to: u64) -> Duration {
        Duration::from_millis(from + self.next() % (to - from).max(1))
    }
}

/// Microseconds since the Unix epoch, the stamp of the subjects' log lines.
pub(crate) fn now_micros() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64)
}
