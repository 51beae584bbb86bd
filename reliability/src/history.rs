//! What a run leaves behind: the messages produced, the subjects' logs of what they handled,
//! when partitions came and went and which commits the broker acknowledged, and the committed
//! offsets sampled from the broker.

use std::collections::HashSet;

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
    /// Assigned; the group's committed offset at that moment, if any.
    Assigned(Option<i64>),
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

/// How strict the audit of a run is about duplicates and order.
#[derive(Debug, Clone, Default)]
pub struct Expectations {
    /// Order is per key (virtual partitions) rather than per partition.
    pub per_key_order: bool,
    /// Subjects killed with SIGKILL: what they handled after their last commit may repeat.
    pub killed: HashSet<u32>,
    /// Subjects that left their group for an overdue job: the same holds for them.
    pub evicted: HashSet<u32>,
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
    pub acknowledged: Vec<CommitSample>,
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
    /// `H at pid partition offset key seq attempt`, `A at pid partition committed|-`,
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
                Some("C") => self.acknowledged.push(CommitSample {
                    at,
                    partition,
                    offset: number(4)?,
                }),
                Some(kind @ ("A" | "R" | "S")) => self.events.push(Event {
                    at,
                    pid,
                    partition,
                    kind: match kind {
                        "A" => EventKind::Assigned(fields.get(4).and_then(|c| c.parse().ok())),
                        "R" => EventKind::Revoked,
                        _ => EventKind::Shutdown,
                    },
                }),
                _ => return Err(bad()),
            }
        }
        Ok(())
    }
}
