//! The audit of members frozen and woken (SIGSTOP, then SIGCONT): the classic zombie.
//!
//! 10. A partition that moved to another member after a member froze is not committed by the
//!     frozen member again until it is assigned that partition back: no commit acknowledged to
//!     it, so nothing it handled after waking is committed by it either. librdkafka issues #4059
//!     and #5604 describe such commits. One commit is excused: one whose offset the broker
//!     already showed while the member was frozen, which was in flight when it froze (its
//!     answer is read, and logged, only after the wake) or changed nothing.

use std::collections::BTreeSet;

use crate::audit::Report;
use crate::history::{EventKind, History, Pause};

/// Checks every commit acknowledged to a paused member after a partition it held moved on.
pub fn frozen_members_commit_nothing_they_lost(
    history: &History,
    paused: &[Pause],
    report: &mut Report,
) {
    for pause in paused {
        let partitions: BTreeSet<i32> = history.events.iter().map(|e| e.partition).collect();
        for partition in partitions {
            let Some((moved, owner)) = history.moved(partition, pause.pid, pause.stopped) else {
                continue;
            };
            let back = history
                .events
                .iter()
                .filter(|e| e.pid == pause.pid && e.partition == partition && e.at > moved)
                .filter(|e| matches!(e.kind, EventKind::Assigned { .. }))
                .map(|e| e.at)
                .min()
                .unwrap_or(u64::MAX);
            let shown_while_frozen = history
                .commits
                .iter()
                .filter(|c| {
                    c.partition == partition && c.at > pause.stopped && c.at <= pause.continued
                })
                .max_by_key(|c| c.at)
                .map(|c| c.offset);
            for ack in history.acknowledged.iter().filter(|ack| {
                ack.pid == pause.pid
                    && ack.commit.partition == partition
                    && ack.commit.at > moved
                    && ack.commit.at < back
            }) {
                if shown_while_frozen == Some(ack.commit.offset) {
                    continue;
                }
                let handled_after_waking = history
                    .handled
                    .iter()
                    .filter(|h| {
                        h.pid == pause.pid
                            && h.partition == partition
                            && h.at > pause.continued
                            && h.offset < ack.commit.offset
                    })
                    .count();
                report.violations.push(format!(
                    "10 zombie commit: subject {} (frozen for {} ms) had partition {partition} committed at {} {} ms after subject {owner} was assigned it; {handled_after_waking} of the messages below were handled after it woke",
                    pause.pid,
                    (pause.continued - pause.stopped) / 1_000,
                    ack.commit.offset,
                    (ack.commit.at - moved) / 1_000,
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{Acknowledged, CommitSample, Event, Handled};

    const SECOND: u64 = 1_000_000;

    fn assigned(pid: u32, at: u64) -> Event {
        Event {
            at,
            pid,
            partition: 0,
            kind: EventKind::Assigned {
                committed: None,
                end: None,
            },
        }
    }

    fn ack(pid: u32, at: u64, offset: i64) -> Acknowledged {
        Acknowledged {
            pid,
            commit: CommitSample {
                at,
                partition: 0,
                offset,
            },
        }
    }

    /// Subject 1 holds partition 0, is frozen from 10 s to 20 s, and subject 2 gets the
    /// partition at 17 s; the broker shows offset 50 committed while subject 1 is frozen.
    fn frozen() -> (History, Vec<Pause>) {
        let history = History {
            events: vec![assigned(1, 0), assigned(2, 17 * SECOND)],
            commits: vec![CommitSample {
                at: 15 * SECOND,
                partition: 0,
                offset: 50,
            }],
            handled: (50..55)
                .map(|offset| Handled {
                    at: 20 * SECOND + offset as u64,
                    pid: 1,
                    partition: 0,
                    offset,
                    key: 0,
                    seq: 0,
                    attempt: 1,
                })
                .collect(),
            ..History::default()
        };
        let pause = Pause {
            pid: 1,
            stopped: 10 * SECOND,
            continued: 20 * SECOND,
        };
        (history, vec![pause])
    }

    fn violations(history: &History, paused: &[Pause]) -> Vec<String> {
        let mut report = Report::default();
        frozen_members_commit_nothing_they_lost(history, paused, &mut report);
        report.violations
    }

    #[test]
    fn a_commit_after_the_partition_moved_is_found() {
        let (mut history, paused) = frozen();
        history.acknowledged.push(ack(1, 20 * SECOND + 100, 55));
        let found = violations(&history, &paused);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with("10 zombie commit: subject 1 (frozen for 10000 ms)")
                && found[0].contains("5 of the messages below were handled after it woke"),
            "{found:?}"
        );
    }

    #[test]
    fn commits_before_the_move_in_flight_or_after_getting_it_back_pass() {
        let (mut history, paused) = frozen();
        history.acknowledged.extend([
            // Before it froze.
            ack(1, 5 * SECOND, 40),
            // Sent before the freeze: the broker showed it while the subject was frozen.
            ack(1, 20 * SECOND + 10, 50),
            // Other subjects commit as they like.
            ack(2, 18 * SECOND, 60),
        ]);
        // Assigned the partition again after waking, it may commit it.
        history.events.push(assigned(1, 25 * SECOND));
        history.acknowledged.push(ack(1, 26 * SECOND, 70));
        assert_eq!(violations(&history, &paused), Vec::<String>::new());
        // Without the pause on record the rule checks nothing.
        history.acknowledged.push(ack(1, 21 * SECOND, 55));
        assert_eq!(violations(&history, &[]), Vec::<String>::new());
        assert_eq!(violations(&history, &paused).len(), 1);
    }

    #[test]
    fn a_partition_that_never_moved_may_be_committed() {
        let (mut history, paused) = frozen();
        history.events.pop();
        history.acknowledged.push(ack(1, 21 * SECOND, 55));
        assert_eq!(violations(&history, &paused), Vec::<String>::new());
    }
}
