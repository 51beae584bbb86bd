//! The error of a batch that waited behind a failed one and did not run.

use crate::consumer::find_cause;
use crate::BoxError;

/// A batch of a partition with streaming virtual partitions did not run: an earlier batch of the
/// partition, running at the same time, failed first. Its messages must not overtake the failed
/// ones, so the runtime runs them again once the failed batch's retry starts, without a backoff
/// and without counting a failure. Layers see it as the job's error; the dead-letter queue passes
/// it on untouched.
#[derive(Debug, thiserror::Error)]
#[error(
    "not run: an earlier batch of {topic}/{partition} failed while this one (from offset {first}) waited; it runs again after that batch's retry"
)]
#[non_exhaustive]
pub struct Deferred {
    /// The topic.
    pub topic: String,
    /// The partition.
    pub partition: i32,
    /// The first offset of the batch that did not run.
    pub first: i64,
}

impl Deferred {
    /// Whether `error` is (or wraps) a [`Deferred`]: the batch did not run, nothing of it failed.
    pub(crate) fn caused(error: &BoxError) -> bool {
        find_cause::<Self>(error.as_ref()).is_some()
    }
}
