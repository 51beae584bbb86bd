//! An in-memory Kafka cluster for tests: topics of partitions of records, nothing else. The
//! in-memory producer appends to it and the in-memory backend of [`crate::testing`] reads from
//! it, so a record a consumer produces (or a dead-letter dispatch) is readable like on a broker.

mod clock;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use tokio::sync::Notify;

pub(crate) use clock::VirtualClock;

use crate::messages::{Header, Headers, Message, Origin};

/// A record as the cluster keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StoredRecord {
    pub(crate) key: Option<Vec<u8>>,
    pub(crate) payload: Option<Vec<u8>>,
    pub(crate) headers: Vec<(String, Option<Vec<u8>>)>,
    /// Milliseconds since the Unix epoch.
    pub(crate) timestamp: i64,
    /// Written by the app's producer (consumer code, a dead-letter dispatch), not by the test.
    pub(crate) by_app: bool,
}

impl StoredRecord {
    /// The record as a consumer reads it at `offset` of `origin`.
    pub(crate) fn into_message(self, origin: Arc<Origin>, offset: i64) -> Message {
        let headers: Headers = self
            .headers
            .into_iter()
            .map(|(key, value)| Header { key, value })
            .collect();
        let message = Message::from_parts(origin, offset, self.payload)
            .with_headers(headers)
            .with_timestamp_millis(self.timestamp);
        match self.key {
            Some(key) => message.with_key(key),
            None => message,
        }
    }
}

/// One partition's log, and a signal for readers waiting on it.
#[derive(Debug, Default)]
struct Log {
    records: Vec<StoredRecord>,
    appended: Arc<Notify>,
}

/// Topics of partitions of records. Offsets start at 0 and have no gaps.
#[derive(Debug)]
pub(crate) struct Cluster {
    topics: Mutex<BTreeMap<String, Vec<Log>>>,
    clock: VirtualClock,
}

impl Cluster {
    /// An empty cluster whose clock starts now.
    pub(crate) fn new() -> Self {
        Self {
            topics: Mutex::default(),
            clock: VirtualClock::start(),
        }
    }

    /// The cluster's wall clock (virtual under tokio's paused clock).
    pub(crate) fn clock(&self) -> VirtualClock {
        self.clock
    }

    fn topics(&self) -> MutexGuard<'_, BTreeMap<String, Vec<Log>>> {
        // Every change is one push or insert, consistent even if a holder panicked.
        self.topics.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Creates `topic` with `partitions` partitions, or adds partitions up to that count.
    pub(crate) fn create_topic(&self, topic: &str, partitions: i32) {
        Self::log_mut(&mut self.topics(), topic, partitions.max(1) - 1);
    }

    /// How many partitions `topic` has; a topic not created yet is created with one, as a
    /// broker with `auto.create.topics.enable` does.
    pub(crate) fn partition_count(&self, topic: &str) -> i32 {
        self.create_topic(topic, 1);
        self.topics()
            .get(topic)
            .map_or(1, |logs| i32::try_from(logs.len()).unwrap_or(i32::MAX))
    }

    /// Appends `record` to `partition` of `topic` (creating either as needed); its offset.
    pub(crate) fn append(&self, topic: &str, partition: i32, record: StoredRecord) -> i64 {
        let mut topics = self.topics();
        let log = Self::log_mut(&mut topics, topic, partition);
        log.records.push(record);
        log.appended.notify_waiters();
        i64::try_from(log.records.len()).unwrap_or(i64::MAX) - 1
    }

    /// Up to `max` records of `partition` of `topic` from `offset` on, with their offsets.
    pub(crate) fn read(
        &self,
        topic: &str,
        partition: i32,
        offset: i64,
        max: usize,
    ) -> Vec<(i64, StoredRecord)> {
        let topics = self.topics();
        let Some(log) = Self::log(&topics, topic, partition) else {
            return Vec::new();
        };
        let start = usize::try_from(offset.max(0)).unwrap_or(usize::MAX);
        log.records
            .iter()
            .enumerate()
            .skip(start)
            .take(max)
            .map(|(index, record)| (i64::try_from(index).unwrap_or(i64::MAX), record.clone()))
            .collect()
    }

    /// The offset the next record of `partition` of `topic` gets (its high watermark).
    pub(crate) fn end(&self, topic: &str, partition: i32) -> i64 {
        Self::log(&self.topics(), topic, partition).map_or(0, |log| {
            i64::try_from(log.records.len()).unwrap_or(i64::MAX)
        })
    }

    /// The offset of the first record of `partition` of `topic` written at or after `time`; the
    /// end where none was.
    pub(crate) fn offset_for_time(&self, topic: &str, partition: i32, time: SystemTime) -> i64 {
        let millis = time.duration_since(UNIX_EPOCH).map_or(0, |since| {
            i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
        });
        let topics = self.topics();
        let Some(log) = Self::log(&topics, topic, partition) else {
            return 0;
        };
        let index = log
            .records
            .iter()
            .position(|record| record.timestamp >= millis)
            .unwrap_or(log.records.len());
        i64::try_from(index).unwrap_or(i64::MAX)
    }

    /// Signalled whenever a record is appended to `partition` of `topic`.
    pub(crate) fn appended(&self, topic: &str, partition: i32) -> Arc<Notify> {
        Arc::clone(&Self::log_mut(&mut self.topics(), topic, partition).appended)
    }

    /// Every record of `topic`, all partitions, with partition and offset, partition by
    /// partition.
    pub(crate) fn records(&self, topic: &str) -> Vec<(i32, i64, StoredRecord)> {
        let topics = self.topics();
        let Some(logs) = topics.get(topic) else {
            return Vec::new();
        };
        logs.iter()
            .enumerate()
            .flat_map(|(partition, log)| {
                log.records.iter().enumerate().map(move |(offset, record)| {
                    (
                        i32::try_from(partition).unwrap_or(i32::MAX),
                        i64::try_from(offset).unwrap_or(i64::MAX),
                        record.clone(),
                    )
                })
            })
            .collect()
    }

    /// The log of `partition` (at least 0) of `topic`, created with the partitions before it
    /// when missing.
    fn log_mut<'a>(
        topics: &'a mut BTreeMap<String, Vec<Log>>,
        topic: &str,
        partition: i32,
    ) -> &'a mut Log {
        let logs = topics.entry(topic.to_owned()).or_default();
        let index = usize::try_from(partition).unwrap_or(0);
        if logs.len() <= index {
            logs.resize_with(index + 1, Log::default);
        }
        &mut logs[index]
    }

    fn log<'a>(
        topics: &'a BTreeMap<String, Vec<Log>>,
        topic: &str,
        partition: i32,
    ) -> Option<&'a Log> {
        topics.get(topic)?.get(usize::try_from(partition).ok()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(payload: &str) -> StoredRecord {
        StoredRecord {
            key: None,
            payload: Some(payload.as_bytes().to_vec()),
            headers: Vec::new(),
            timestamp: 0,
            by_app: false,
        }
    }

    #[test]
    fn offsets_start_at_zero_per_partition_and_reads_start_where_asked() {
        let cluster = Cluster::new();
        assert_eq!(cluster.append("t", 1, record("a")), 0);
        assert_eq!(cluster.append("t", 1, record("b")), 1);
        assert_eq!(cluster.append("t", 0, record("c")), 0);
        assert_eq!(cluster.partition_count("t"), 2);
        assert_eq!(cluster.end("t", 1), 2);
        let read = cluster.read("t", 1, 1, 10);
        assert_eq!(read, vec![(1, record("b"))]);
        assert!(cluster.read("t", 3, 0, 10).is_empty());
        assert_eq!(cluster.partition_count("new"), 1, "created on first use");
    }
}
