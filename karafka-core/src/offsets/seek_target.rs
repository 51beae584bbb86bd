//! Where a seek goes.

use std::time::SystemTime;

/// A place in a partition to go on from: where
/// [`Admin::seek_consumer_group`](crate::admin::Admin::seek_consumer_group) moves a group, or
/// where [`Context::seek_to`](crate::Context::seek_to) moves a consumer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SeekTarget {
    /// This offset on every partition (clamped to what the partition holds).
    Offset(i64),
    /// The first message at or after this time (the end where none is).
    Time(SystemTime),
    /// The oldest message still held.
    Earliest,
    /// The end: skip everything produced so far.
    Latest,
}
