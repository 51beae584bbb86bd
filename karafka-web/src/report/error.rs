//! An error a process reports: where it happened and why, never the payload.

use serde::{Deserialize, Serialize};

/// One error, written to the errors topic. Carries the message coordinates and the error with
/// its chain of causes; never a payload nor a setting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorReport {
    /// The report format ([`SCHEMA`](super::SCHEMA) when written by this build).
    pub schema: u32,
    /// The process that reported it ([`ProcessInfo::id`](super::ProcessInfo::id)).
    pub process_id: String,
    /// When it happened, in milliseconds since the Unix epoch.
    pub occurred_at: u64,
    /// What failed: `consumer.consume`, `consumer.revoked`, `connection.client`, ...
    pub kind: String,
    /// The subscription group, when the error belongs to one.
    pub group: Option<String>,
    /// The consumer's type name, when a job failed.
    pub consumer: Option<String>,
    /// The topic, when the error belongs to a partition.
    pub topic: Option<String>,
    /// The partition, when the error belongs to one.
    pub partition: Option<i32>,
    /// The first offset of the failed batch.
    pub first_offset: Option<i64>,
    /// The last offset of the failed batch.
    pub last_offset: Option<i64>,
    /// The error with its chain of causes on one line (`outer: cause: root cause`), as the
    /// runtime reported it.
    pub error: String,
}
