//! What a run leaves behind: the messages produced, the subjects' logs of what they handled,
//! when partitions came and went and which commits the broker acknowledged, and the committed
//! offsets sampled from the broker.

use std::collections::{BTreeMap, BTreeSet, HashSet};

/// A message the driver produced and the broker acknowledged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Produced {
    /// Its partition.
    pub partition: i32,
    /// Its offset.
    pub offset: i64,
    /// Its key.
    pub key: u32,
    /// Its number within the key, from 0.
    pub seq: u64,
    /// No handling can succeed (a poison or malformed payload): it must end in the
    /// dead-letter topic.
    pub doomed: bool,
}

/// A message a subject handled (logged before it was marked).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Handled {
    /// Microseconds since the Unix epoch.
    pub at: u64,
    /// The subject process.
    pub pid: u32,
    /// The message's partition.
    pub partition: i32,
    /// The message's offset.
    pub offset: i64,
    /// The message's key.
    pub key: u32,
    /// The message's number within its key.
    pub seq: u64,
    /// The attempt that handled it (1 unless the batch was retried).
    pub attempt: u32,
}

/// A partition coming to or leaving a subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// Assigned.
    Assigned {
        /// The group's committed offset at that moment, if any.
        committed: Option<i64>,
        /// The partition's end offset at that moment, if the subject logged it.
        end: Option<i64>,
    },
    /// Revoked (logged once its running job ended).
    Revoked,
    /// The subject shut down (logged once its running job ended).
    Shutdown,
}

/// One partition event of a subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event {
    /// Microseconds since the Unix epoch.
    pub at: u64,
    /// The subject process.
    pub pid: u32,
    /// The partition.
    pub partition: i32,
    /// What happened.
    pub kind: EventKind,
}

/// A record of the output topic of an exactly-once run, as a `read_committed` reader sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Output {
    /// The output partition it was read from.
    pub partition: i32,
    /// The input message it was made of: its partition.
    pub source_partition: i32,
    /// And its offset.
    pub source_offset: i64,
}

/// A committed offset: read back from the broker, or acknowledged by it to a subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommitSample {
    /// Microseconds since the Unix epoch when the answer arrived.
    pub at: u64,
    /// The partition.
    pub partition: i32,
    /// The committed offset.
    pub offset: i64,
}

/// A commit the broker acknowledged to a subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Acknowledged {
    /// The subject process.
    pub pid: u32,
    /// The commit, stamped when the subject heard of it.
    pub commit: CommitSample,
}

/// A subject the driver froze with SIGSTOP and woke with SIGCONT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pause {
    /// The subject process.
    pub pid: u32,
    /// Microseconds since the Unix epoch when it was frozen.
    pub stopped: u64,
    /// And when it was woken.
    pub continued: u64,
}

/// How strict the audit of a run is about duplicates and order.
#[derive(Debug, Clone, Default)]
pub struct Expectations {
    /// Order is per key (virtual partitions) rather than per partition.
    pub per_key_order: bool,
    /// Subjects killed with SIGKILL: what they handled after their last commit may repeat.
    pub killed: HashSet<u32>,
    /// Subjects that left their group for an overdue job: the same holds for them.
    pub evicted: HashSet<u32>,
    /// Subjects frozen and woken: what they handled may repeat, and they must commit nothing of
    /// a partition that moved to another member meanwhile.
    pub paused: Vec<Pause>,
    /// The subjects transform in transactions: the output topic is audited instead of the
    /// handling logs (an aborted transaction's handling is redone by design).
    pub exactly_once: bool,
}

/// Everything a run left behind.
#[derive(Debug, Clone, Default)]
pub struct History {
    /// The acknowledged messages.
    pub produced: Vec<Produced>,
    /// What the subjects handled, in each subject's order.
    pub handled: Vec<Handled>,
    /// Partition events of the subjects.
    pub events: Vec<Event>,
    /// Committed offsets sampled during the run.
    pub commits: Vec<CommitSample>,
    /// Commits the broker acknowledged to a subject.
    pub acknowledged: Vec<Acknowledged>,
    /// `(partition, offset)` of messages acknowledged into the dead-letter topic.
    pub dead_letters: HashSet<(i32, i64)>,
    /// The committed offset of every partition at the end.
    pub final_commits: Vec<Option<i64>>,
    /// The end offset of every partition.
    pub ends: Vec<i64>,
    /// The output topic of an exactly-once run, partition by partition, in offset order.
    pub outputs: Vec<Output>,
}

/// A subject's log line could not be read.
#[derive(Debug, thiserror::Error)]
#[error("unreadable log line: {0}")]
pub struct BadLine(pub String);

impl History {
    /// Adds the lines of one subject's log:
    /// `H at pid partition offset key seq attempt`, `A at pid partition committed|- [end]`,
    /// `R at pid partition`, `S at pid partition` and `C at pid partition offset` (a commit
    /// the broker acknowledged).
    pub fn read_log(&mut self, text: &str) -> Result<(), BadLine> {
        for line in text.lines() {
            let fields: Vec<&str> = line.split(' ').collect();
            let bad = || BadLine(line.to_owned());
            let number = |index: usize| {
                fields
                    .get(index)
                    .and_then(|field| field.parse::<i64>().ok())
                    .ok_or_else(bad)
            };
            let at = number(1)? as u64;
            let pid = number(2)? as u32;
            let partition = number(3)? as i32;
            match fields.first().copied() {
                Some("H") => self.handled.push(Handled {
                    at,
                    pid,
                    partition,
                    offset: number(4)?,
                    key: number(5)? as u32,
                    seq: number(6)? as u64,
                    attempt: number(7)? as u32,
                }),
                Some("C") => self.acknowledged.push(Acknowledged {
                    pid,
                    commit: CommitSample {
                        at,
                        partition,
                        offset: number(4)?,
                    },
                }),
                Some(kind @ ("A" | "R" | "S")) => self.events.push(Event {
                    at,
                    pid,
                    partition,
                    kind: match kind {
                        "A" => EventKind::Assigned {
                            committed: fields.get(4).and_then(|c| c.parse().ok()),
                            end: fields.get(5).and_then(|e| e.parse().ok()),
                        },
                        "R" => EventKind::Revoked,
                        _ => EventKind::Shutdown,
                    },
                }),
                _ => return Err(bad()),
            }
        }
        Ok(())
    }

    /// The history of one subject's log (see [`History::read_log`]).
    pub fn from_log(text: &str) -> Result<Self, BadLine> {
        let mut history = Self::default();
        history.read_log(text)?;
        Ok(history)
    }

    /// The partitions `pid` held at `at`: those whose last event of `pid` up to then was an
    /// assignment.
    pub fn held(&self, pid: u32, at: u64) -> BTreeSet<i32> {
        let mut last: BTreeMap<i32, (u64, EventKind)> = BTreeMap::new();
        for event in self.events.iter().filter(|e| e.pid == pid && e.at <= at) {
            let latest = last
                .entry(event.partition)
                .or_insert((event.at, event.kind));
            // Equal stamps keep log order: the later line wins.
            if event.at >= latest.0 {
                *latest = (event.at, event.kind);
            }
        }
        last.into_iter()
            .filter(|(_, (_, kind))| matches!(kind, EventKind::Assigned { .. }))
            .map(|(partition, _)| partition)
            .collect()
    }

    /// When another subject than `pid` was first assigned `partition` after `since`.
    pub fn moved(&self, partition: i32, pid: u32, since: u64) -> Option<(u64, u32)> {
        self.events
            .iter()
            .filter(|e| {
                e.partition == partition
                    && e.pid != pid
                    && e.at > since
                    && matches!(e.kind, EventKind::Assigned { .. })
            })
            .map(|e| (e.at, e.pid))
            .min()
    }

    /// Whether every partition `pid` held at `since` was assigned to another subject after it.
    pub fn moved_on(&self, pid: u32, since: u64) -> bool {
        self.held(pid, since)
            .into_iter()
            .all(|partition| self.moved(partition, pid, since).is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn history(log: &str) -> History {
        History::from_log(log).expect("a well-formed log")
    }

    #[test]
    fn partitions_held_follow_assignments_and_revocations() {
        let history = history("A 10 1 0 -\nA 10 1 1 5\nR 20 1 0\nA 30 1 0 7\nS 40 1 1\n");
        assert_eq!(history.held(1, 5), BTreeSet::new());
        assert_eq!(history.held(1, 10), [0, 1].into());
        assert_eq!(history.held(1, 25), [1].into());
        assert_eq!(history.held(1, 35), [0, 1].into());
        assert_eq!(history.held(1, 45), [0].into());
        assert_eq!(history.held(2, 45), BTreeSet::new());
    }

    #[test]
    fn partitions_moved_on_once_another_subject_got_each() {
        let mut history = history("A 10 1 0 -\nA 10 1 1 -\nA 10 2 2 -\n");
        assert!(!history.moved_on(1, 15));
        // Its own reassignment or another partition's does not count.
        history
            .read_log("A 20 1 0 -\nA 20 2 2 -\nA 21 2 1 -\n")
            .unwrap();
        assert!(!history.moved_on(1, 15));
        assert_eq!(history.moved(1, 1, 15), Some((21, 2)));
        history.read_log("A 22 3 0 -\n").unwrap();
        assert!(history.moved_on(1, 15));
        // A subject that held nothing has nothing to move.
        assert!(history.moved_on(4, 15));
    }
}
