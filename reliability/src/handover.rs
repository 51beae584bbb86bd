//! How long a partition waits in a rebalance: from its revocation (or its owner's shutdown) to
//! the first message its next owner handles.
//!
//! Only handovers of a partition with messages waiting count (its end offset at the new
//! assignment past the committed offset), so the time is the rebalance's and not a wait for the
//! next message to be produced. The revocation is logged once the old owner's job ended, so the
//! time runs from when the old owner let go.

use std::collections::BTreeMap;
use std::fmt;

use crate::history::{EventKind, History};

/// The handover times of a run, in microseconds, sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Handovers(Vec<u64>);

impl Handovers {
    /// Every handover of `history` with messages waiting.
    pub fn of(history: &History) -> Self {
        let mut events: BTreeMap<i32, Vec<_>> = BTreeMap::new();
        for event in &history.events {
            events.entry(event.partition).or_default().push(*event);
        }
        let mut times = Vec::new();
        for (partition, mut events) in events {
            events.sort_by_key(|event| event.at);
            for (index, left) in events.iter().enumerate() {
                if !matches!(left.kind, EventKind::Revoked | EventKind::Shutdown) {
                    continue;
                }
                let next = events[index + 1..]
                    .iter()
                    .find(|e| matches!(e.kind, EventKind::Assigned { .. }));
                let Some(assigned) = next else { continue };
                let EventKind::Assigned { committed, end } = assigned.kind else {
                    continue;
                };
                if end.is_none_or(|end| end <= committed.unwrap_or(0)) {
                    continue;
                }
                // The new owner's first message, before it let go of the partition again.
                let until = events
                    .iter()
                    .filter(|e| e.pid == assigned.pid && e.at > assigned.at)
                    .find(|e| matches!(e.kind, EventKind::Revoked | EventKind::Shutdown))
                    .map_or(u64::MAX, |e| e.at);
                let first = history
                    .handled
                    .iter()
                    .filter(|h| {
                        h.partition == partition
                            && h.pid == assigned.pid
                            && h.at >= assigned.at
                            && h.at <= until
                    })
                    .map(|h| h.at)
                    .min();
                if let Some(first) = first {
                    times.push(first.saturating_sub(left.at));
                }
            }
        }
        times.sort_unstable();
        Self(times)
    }

    /// Adds another run's handovers.
    pub fn extend(&mut self, other: &Self) {
        self.0.extend(&other.0);
        self.0.sort_unstable();
    }

    /// How many there were.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there were none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The `q`-quantile (0 to 1, nearest rank) in microseconds; none without handovers.
    pub fn quantile(&self, q: f64) -> Option<u64> {
        let rank = (q.clamp(0.0, 1.0) * self.0.len() as f64).ceil() as usize;
        self.0.get(rank.max(1) - 1).copied()
    }
}

impl fmt::Display for Handovers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = |q| self.quantile(q).map_or(0.0, |us| us as f64 / 1_000.0);
        write!(
            f,
            "{} handovers, revocation to the next owner's first message: p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms",
            self.len(),
            ms(0.5),
            ms(0.99),
            ms(1.0)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn history(log: &str) -> History {
        History::from_log(log).expect("a well-formed log")
    }

    #[test]
    fn a_handover_runs_from_the_revocation_to_the_next_owners_first_message() {
        let history = history(
            "A 0 1 0 - 10\nH 10 1 0 0 0 0 1\nR 100 1 0\n\
             A 150 2 0 1 10\nH 180 2 0 1 0 1 1\nH 190 2 0 2 0 2 1\nS 300 2 0\n",
        );
        let handovers = Handovers::of(&history);
        assert_eq!(handovers, Handovers(vec![80]));
        assert_eq!(handovers.quantile(0.99), Some(80));
    }

    #[test]
    fn handovers_without_waiting_messages_or_a_first_message_do_not_count() {
        // Nothing was waiting at the new assignment: end 5, committed 5.
        let idle = history("A 0 1 0 - 5\nR 100 1 0\nA 150 2 0 5 5\nH 900 2 0 5 0 5 1\n");
        assert!(Handovers::of(&idle).is_empty());
        // The next owner let go again before handling anything; the owner after it counts.
        let passed_on =
            history("R 100 1 0\nA 150 2 0 1 10\nR 200 2 0\nA 250 3 0 1 10\nH 260 3 0 1 0 1 1\n");
        assert_eq!(Handovers::of(&passed_on), Handovers(vec![60]));
        // A log of the suite before the end offsets were logged counts nothing.
        let unknown = history("R 100 1 0\nA 150 2 0 1\nH 160 2 0 1 0 1 1\n");
        assert!(Handovers::of(&unknown).is_empty());
    }

    #[test]
    fn quantiles_are_nearest_rank() {
        let handovers = Handovers((1..=100).collect());
        assert_eq!(handovers.quantile(0.5), Some(50));
        assert_eq!(handovers.quantile(0.99), Some(99));
        assert_eq!(handovers.quantile(1.0), Some(100));
        assert_eq!(Handovers::default().quantile(0.99), None);
    }
}
