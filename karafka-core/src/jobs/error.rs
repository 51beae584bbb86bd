//! Why a job could not be enqueued, and why a message of a jobs topic cannot be run.

use super::envelope::EnvelopeError;
use crate::producer::{ProduceError, ScheduleError};

/// Why [`Jobs::enqueue`](super::Jobs::enqueue) did not enqueue a job.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EnqueueError {
    /// No route of the app registers the job type, so it has no topic.
    #[error(
        "job type `{job}` is routed to no topic: add it to a jobs route, e.g. \
         `jobs \"default\" => [{job}]` in `routes!`"
    )]
    NotRouted {
        /// The job type's name.
        job: String,
    },
    /// The job's fields could not be serialized as JSON.
    #[error("job `{job}` could not be serialized: {error}")]
    Encode {
        /// The job type's name.
        job: String,
        /// The serializer's error.
        error: serde_json::Error,
    },
    /// Producing the job's record failed.
    #[error("enqueueing job `{job}` failed: {error}")]
    Produce {
        /// The job type's name.
        job: String,
        /// The producer's error (boxed: it is large, and enqueueing usually succeeds).
        error: Box<ProduceError>,
    },
    /// Scheduling the job for later failed ([`Jobs::enqueue_at`](super::Jobs::enqueue_at)).
    #[error("scheduling job `{job}` failed: {error}")]
    Schedule {
        /// The job type's name.
        job: String,
        /// Why (boxed, as for `Produce`).
        error: Box<ScheduleError>,
    },
}

/// Why a message of a jobs topic can never be performed: it is
/// [`NotRetryable`](crate::middleware::NotRetryable), so the route's dead-letter queue takes it
/// at once, with this text in its `original_error` header.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JobError {
    /// The payload is not a job envelope.
    #[error("{topic}/{partition} at offset {offset}: {reason}")]
    Envelope {
        /// The topic.
        topic: String,
        /// The partition.
        partition: i32,
        /// The message's offset.
        offset: i64,
        /// What is wrong with the payload.
        reason: EnvelopeError,
    },
    /// The envelope names a job type the route does not register.
    #[error(
        "{topic}/{partition} at offset {offset}: unknown job type `{job}` (this route performs: \
         {known})"
    )]
    UnknownType {
        /// The topic.
        topic: String,
        /// The partition.
        partition: i32,
        /// The message's offset.
        offset: i64,
        /// The name the envelope gives.
        job: String,
        /// The job types the route registers, comma-separated.
        known: String,
    },
    /// The envelope's arguments do not deserialize into the job type.
    #[error("{topic}/{partition} at offset {offset}: the arguments of job `{job}` do not decode: {reason}")]
    Arguments {
        /// The topic.
        topic: String,
        /// The partition.
        partition: i32,
        /// The message's offset.
        offset: i64,
        /// The job type.
        job: String,
        /// The deserializer's error.
        reason: String,
    },
}
