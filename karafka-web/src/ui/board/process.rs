//! One process as the board knows it: its latest report.

use crate::report::{PartitionState, ProcessState, Report};

/// How many report intervals a process may stay silent before the board counts it as gone.
const SILENT_INTERVALS: u64 = 3;

/// A process and its latest report.
#[derive(Debug, Clone)]
pub struct Process {
    latest: Report,
}

impl Process {
    pub(super) fn new(latest: Report) -> Self {
        Self { latest }
    }

    pub(super) fn replace(&mut self, latest: Report) {
        self.latest = latest;
    }

    /// Its latest report.
    pub fn report(&self) -> &Report {
        &self.latest
    }

    /// Its id.
    pub fn id(&self) -> &str {
        &self.latest.process.id
    }

    /// Whether it is up at `now_ms`: it reported within three of its intervals and has not
    /// stopped.
    pub fn is_up(&self, now_ms: u64) -> bool {
        let silent_for = SILENT_INTERVALS.saturating_mul(self.latest.process.report_interval_ms);
        self.latest.process.state != ProcessState::Stopped
            && self.latest.dispatched_at.saturating_add(silent_for) > now_ms
    }

    /// The lag of all its partitions (unknown lags count as 0).
    pub fn total_lag(&self) -> i64 {
        self.partition_states()
            .filter_map(|(lag, _)| lag)
            .fold(0i64, i64::saturating_add)
    }

    /// How many partitions it holds.
    pub fn partitions(&self) -> usize {
        self.latest
            .groups
            .iter()
            .map(|group| group.partitions.len())
            .sum()
    }

    /// How many of its partitions are paused (by the consumer or by a command).
    pub fn paused(&self) -> usize {
        self.partition_states()
            .filter(|(_, state)| matches!(state, PartitionState::Paused | PartitionState::Held))
            .count()
    }

    /// How many of its partitions wait to retry.
    pub fn retrying(&self) -> usize {
        self.partition_states()
            .filter(|(_, state)| matches!(state, PartitionState::Retrying { .. }))
            .count()
    }

    fn partition_states(&self) -> impl Iterator<Item = (Option<i64>, &PartitionState)> {
        self.latest
            .groups
            .iter()
            .flat_map(|group| group.partitions.iter())
            .map(|partition| (partition.lag, &partition.state))
    }
}
