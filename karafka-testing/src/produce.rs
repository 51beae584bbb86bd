//! A record on its way into the in-memory Kafka.

use karafka::producer::{Delivery, ProduceError, Record};
use karafka::testing::TestRuntime;
use serde::Serialize;

/// A record produced when dropped, at the end of the statement that made it:
/// `app.produce("orders", json).key("k1").partition(0);`. Call [`Produce::send`] to get the
/// delivery (or the error) instead.
pub struct Produce<'a> {
    runtime: &'a TestRuntime,
    record: Option<Result<Record, ProduceError>>,
}

impl<'a> Produce<'a> {
    pub(crate) fn json(runtime: &'a TestRuntime, topic: &str, payload: &impl Serialize) -> Self {
        Self {
            runtime,
            record: Some(Record::json(topic, payload)),
        }
    }

    pub(crate) fn raw(runtime: &'a TestRuntime, topic: &str, payload: Option<Vec<u8>>) -> Self {
        Self {
            runtime,
            record: Some(Ok(Record::raw(topic, payload))),
        }
    }

    fn map(mut self, change: impl FnOnce(Record) -> Record) -> Self {
        self.record = self.record.take().map(|record| record.map(change));
        self
    }

    /// The record's key.
    pub fn key(self, key: impl Into<Vec<u8>>) -> Self {
        self.map(|record| record.key(key))
    }

    /// The partition to write to (else by the key's hash, else 0).
    pub fn partition(self, partition: i32) -> Self {
        self.map(|record| record.partition(partition))
    }

    /// One more header.
    pub fn header(self, key: impl Into<String>, value: impl Into<Vec<u8>>) -> Self {
        self.map(|record| record.header(key, value))
    }

    /// The record's timestamp, in milliseconds since the Unix epoch (else the virtual now).
    pub fn timestamp_millis(self, millis: i64) -> Self {
        self.map(|record| record.timestamp_millis(millis))
    }

    /// Writes the record now.
    ///
    /// # Errors
    /// [`ProduceError::Encode`] when the payload did not serialize, [`ProduceError::Delivery`]
    /// for a partition the topic does not have.
    pub fn send(mut self) -> Result<Delivery, ProduceError> {
        match self.record.take() {
            Some(record) => self.runtime.produce(record?),
            // Only `send` (which consumes the builder) and `drop` take the record.
            None => unreachable!("a Produce is sent once"),
        }
    }
}

impl Drop for Produce<'_> {
    fn drop(&mut self) {
        let Some(record) = self.record.take() else {
            return;
        };
        let sent = record.and_then(|record| self.runtime.produce(record));
        if let Err(error) = sent {
            if !std::thread::panicking() {
                panic!("producing in the test failed: {error}");
            }
        }
    }
}
