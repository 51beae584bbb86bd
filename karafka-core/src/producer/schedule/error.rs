//! Why a message was not scheduled or cancelled.

use std::time::Duration;

use crate::producer::ProduceError;

/// Why [`Producer::schedule`](crate::Producer::schedule) or
/// [`Producer::cancel`](crate::Producer::cancel) did nothing.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScheduleError {
    /// The producer knows no schedules topic: route one with
    /// [`Routes::scheduled_messages`](crate::routing::Routes::scheduled_messages) (the app's
    /// producer takes it from the routes), or name it with
    /// [`Producer::scheduled_messages_topic`](crate::Producer::scheduled_messages_topic).
    #[error(
        "the producer knows no scheduled messages topic: route one with `scheduled_messages` \
         or set it with `Producer::scheduled_messages_topic`"
    )]
    NoSchedulesTopic,
    /// The record to schedule names no topic.
    #[error("the record to schedule names no topic")]
    MissingTopic,
    /// The record to schedule is for the schedules topic itself.
    #[error("the record to schedule targets the schedules topic `{topic}` itself")]
    TargetIsSchedulesTopic {
        /// The schedules topic.
        topic: String,
    },
    /// The record has a null payload: its envelope would be a tombstone, which compaction
    /// deletes.
    #[error(
        "the record for `{topic}` has a null payload, which cannot be scheduled: its envelope \
         would read as a tombstone"
    )]
    NullPayload {
        /// The record's topic.
        topic: String,
    },
    /// The record carries a header the envelope uses for itself.
    #[error("the record for `{topic}` carries the header `{header}`, which scheduling reserves")]
    ReservedHeader {
        /// The record's topic.
        topic: String,
        /// The reserved header.
        header: String,
    },
    /// The time is further in the past than the tolerance (Karafka's 10 s).
    #[error(
        "the record for `{topic}` is scheduled {late_ms} ms in the past, beyond the tolerance \
         of {} ms", tolerance.as_millis()
    )]
    InThePast {
        /// The record's topic.
        topic: String,
        /// How far in the past the time is, in milliseconds.
        late_ms: u128,
        /// How far in the past a time may be (it is then dispatched at once).
        tolerance: Duration,
    },
    /// The time is more than 100 years ahead (Karafka's limit).
    #[error("the record for `{topic}` is scheduled more than 100 years ahead")]
    TooFarInFuture {
        /// The record's topic.
        topic: String,
    },
    /// The envelope or cancel was not produced to the schedules topic.
    #[error(transparent)]
    Produce(#[from] ProduceError),
}
