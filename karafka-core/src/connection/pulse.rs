//! What a listener shows of its health: when it last polled, whether its consumer is in its
//! consumer group (and since when), whether the group assigned it partitions, whether
//! librdkafka last reported its join state steady. Written by the listener thread and its
//! callbacks, read by probes on other threads.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// A listener's pulse; see the module docs.
#[derive(Debug)]
pub(crate) struct Pulse {
    /// Instants are kept as milliseconds since this one, to fit atomics.
    origin: Instant,
    last_poll: AtomicU64,
    joined: AtomicBool,
    /// When `joined` last changed.
    membership_changed: AtomicU64,
    /// An assignment (possibly empty) arrived since the consumer last joined.
    assigned: AtomicBool,
    /// The member left its group because a job outran `max.poll.interval.ms`.
    evicting: AtomicBool,
    /// librdkafka's latest statistics said the join state is `steady` (assumed before any).
    steady: AtomicBool,
    /// When `steady` last changed.
    steadiness_changed: AtomicU64,
}

impl Pulse {
    pub(crate) fn new(now: Instant) -> Self {
        Self {
            origin: now,
            last_poll: AtomicU64::new(0),
            joined: AtomicBool::new(false),
            membership_changed: AtomicU64::new(0),
            assigned: AtomicBool::new(false),
            evicting: AtomicBool::new(false),
            steady: AtomicBool::new(true),
            steadiness_changed: AtomicU64::new(0),
        }
    }

    fn since_origin(&self, now: Instant) -> u64 {
        u64::try_from(now.saturating_duration_since(self.origin).as_millis()).unwrap_or(u64::MAX)
    }

    fn at(&self, millis: u64) -> Instant {
        self.origin + Duration::from_millis(millis)
    }

    /// The listener polled its consumer at `now`.
    pub(crate) fn polled(&self, now: Instant) {
        self.last_poll
            .store(self.since_origin(now), Ordering::Release);
    }

    /// When the listener last polled (its start, before the first poll).
    pub(crate) fn last_poll(&self) -> Instant {
        self.at(self.last_poll.load(Ordering::Acquire))
    }

    /// Records whether the consumer is in its group at `now`; `true` when that changed.
    pub(crate) fn set_joined(&self, joined: bool, now: Instant) -> bool {
        let changed = self.joined.swap(joined, Ordering::AcqRel) != joined;
        if changed {
            self.membership_changed
                .store(self.since_origin(now), Ordering::Release);
            if !joined {
                self.assigned.store(false, Ordering::Release);
            }
        }
        changed
    }

    /// Whether the consumer is in its consumer group, as of the last poll.
    pub(crate) fn joined(&self) -> bool {
        self.joined.load(Ordering::Acquire)
    }

    /// Since when the consumer is out of its group (since the start, before it first joined);
    /// `None` while it is in.
    pub(crate) fn out_of_group_since(&self) -> Option<Instant> {
        (!self.joined()).then(|| self.at(self.membership_changed.load(Ordering::Acquire)))
    }

    /// Records whether librdkafka's statistics at `now` report the member's join state `steady`.
    pub(crate) fn reported_join_state(&self, steady: bool, now: Instant) {
        if self.steady.swap(steady, Ordering::AcqRel) != steady {
            self.steadiness_changed
                .store(self.since_origin(now), Ordering::Release);
        }
    }

    /// Since when the member is not steady in its group: out of it (since the start, before it
    /// first joined), or in it while librdkafka reports it joining or rebalancing. `None` while
    /// it is steady.
    pub(crate) fn unsteady_since(&self) -> Option<Instant> {
        self.out_of_group_since().or_else(|| {
            (!self.steady.load(Ordering::Acquire))
                .then(|| self.at(self.steadiness_changed.load(Ordering::Acquire)))
        })
    }

    /// The group delivered an assignment, empty or not.
    pub(crate) fn assignment_received(&self) {
        self.assigned.store(true, Ordering::Release);
    }

    /// Marks the member as leaving (or back) because of an overdue job.
    pub(crate) fn set_evicting(&self, evicting: bool) {
        self.evicting.store(evicting, Ordering::Release);
    }

    /// The member left its group because of an overdue job and has not rejoined yet.
    pub(crate) fn evicting(&self) -> bool {
        self.evicting.load(Ordering::Acquire)
    }

    /// In its group, with the assignment the group gave it (possibly none).
    pub(crate) fn assigned(&self) -> bool {
        self.joined() && self.assigned.load(Ordering::Acquire)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pulse_follows_polls_and_membership() {
        let start = Instant::now();
        let pulse = Pulse::new(start);
        assert_eq!(pulse.last_poll(), start);
        assert_eq!(pulse.out_of_group_since(), Some(start));
        pulse.polled(start + Duration::from_millis(250));
        assert_eq!(pulse.last_poll(), start + Duration::from_millis(250));

        assert!(pulse.set_joined(true, start + Duration::from_secs(1)));
        assert!(!pulse.set_joined(true, start + Duration::from_secs(2)));
        assert_eq!(pulse.out_of_group_since(), None);
        assert!(!pulse.assigned(), "joined, no assignment yet");
        pulse.assignment_received();
        assert!(pulse.assigned());

        assert!(pulse.set_joined(false, start + Duration::from_secs(3)));
        assert_eq!(
            pulse.out_of_group_since(),
            Some(start + Duration::from_secs(3))
        );
        assert!(
            !pulse.assigned(),
            "an assignment does not outlive the membership"
        );
        pulse.set_joined(true, start + Duration::from_secs(4));
        assert!(
            !pulse.assigned(),
            "a new membership waits for its own assignment"
        );
    }

    #[test]
    fn a_member_in_its_group_is_unsteady_while_librdkafka_reports_it_rebalancing() {
        let start = Instant::now();
        let pulse = Pulse::new(start);
        assert_eq!(pulse.unsteady_since(), Some(start), "out of the group");
        pulse.set_joined(true, start + Duration::from_secs(1));
        assert_eq!(
            pulse.unsteady_since(),
            None,
            "steady until a report says otherwise"
        );
        pulse.reported_join_state(false, start + Duration::from_secs(2));
        pulse.reported_join_state(false, start + Duration::from_secs(3));
        assert_eq!(
            pulse.unsteady_since(),
            Some(start + Duration::from_secs(2)),
            "since the first report of the rebalance"
        );
        pulse.reported_join_state(true, start + Duration::from_secs(4));
        assert_eq!(pulse.unsteady_since(), None);
        pulse.set_joined(false, start + Duration::from_secs(5));
        assert_eq!(pulse.unsteady_since(), Some(start + Duration::from_secs(5)));
    }
}
