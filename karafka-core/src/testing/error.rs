//! What goes wrong in a test of consumers, naming the topic, partition or consumer.

use std::time::Duration;

/// An error of the [`TestRuntime`](super::TestRuntime).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TestError {
    /// The topic is not routed to a consumer in this app.
    #[error("topic `{topic}` is not routed to a consumer in this app (routed: {routed})")]
    NotRouted {
        /// The topic asked for.
        topic: String,
        /// The routed topics and patterns, comma-separated.
        routed: String,
    },
    /// Nothing was ever produced to the topic, so there is nothing to consume.
    #[error("nothing was produced to `{topic}`; produce to it before consuming it")]
    NothingProduced {
        /// The topic.
        topic: String,
    },
    /// A job failed; the partition is paused and the next `consume` retries it once its backoff
    /// passed (in virtual time).
    #[error(
        "{topic}/{partition}: {consumer} failed at offset {offset} (attempt {attempt}): {error}; \
         the partition pauses and the next consume retries it"
    )]
    Failed {
        /// The topic.
        topic: String,
        /// The partition.
        partition: i32,
        /// The consumer's type name.
        consumer: &'static str,
        /// The first offset the retry runs again.
        offset: i64,
        /// The attempt that failed (1 for the first run).
        attempt: u32,
        /// The error, as displayed.
        error: String,
    },
    /// A job did not end within the limit of virtual time: the consumer waits on something that
    /// never happens in the test.
    #[error(
        "{topic}: a job of {consumer} still runs after {} s of virtual time; is it waiting on \
         something the test never provides?",
        waited.as_secs()
    )]
    NotSettled {
        /// The topic.
        topic: String,
        /// The consumer's type name.
        consumer: &'static str,
        /// How long the runtime waited, in virtual time.
        waited: Duration,
    },
    /// The partition has no consumer instance: it was never consumed.
    #[error("{topic}/{partition} has no {consumer} yet; consume the topic first")]
    NotAssigned {
        /// The topic.
        topic: String,
        /// The partition.
        partition: i32,
        /// The consumer's type name.
        consumer: &'static str,
    },
    /// The topic is consumed by another consumer type than the one asked for.
    #[error("topic `{topic}` is consumed by {actual}, not by {asked}")]
    WrongConsumer {
        /// The topic.
        topic: String,
        /// The type asked for.
        asked: &'static str,
        /// The type the route builds.
        actual: &'static str,
    },
    /// A consumer instance is in use by a running job.
    #[error(
        "the {consumer} of {topic}/{partition} is running a job; ask again once consume returned"
    )]
    Busy {
        /// The topic.
        topic: String,
        /// The partition.
        partition: i32,
        /// The consumer's type name.
        consumer: &'static str,
    },
    /// The app was shut down ([`TestRuntime::shutdown`](super::TestRuntime::shutdown)): nothing
    /// consumes any more.
    #[error("cannot consume `{topic}`: the test app was shut down")]
    ShutDown {
        /// The topic asked for.
        topic: String,
    },
    /// The test runtime was built outside a Tokio runtime.
    #[error("no Tokio runtime: build the test app inside `#[tokio::test(start_paused = true)]`")]
    NoRuntime,
}
