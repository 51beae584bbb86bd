//! Logging (the subscriber apps install, librdkafka's own log lines routed into `tracing`) and
//! the typed events listeners receive ([`Event`], [`Listener`]).
//!
//! The runtime reports what happens in Karafka's spirit: how many messages a partition polled and
//! how long that took, when each consume job started and how long it ran, pauses, retries,
//! rebalances and shutdown, each with the partitions involved; at DEBUG, every commit the broker
//! acknowledged ([`COMMITS_TARGET`]). A built-in listener writes these lines from the events;
//! [`Metrics`] turns the events into Prometheus metrics; [`statistics`] types librdkafka's
//! statistics.
//!
//! With the cargo feature `opentelemetry`, traces follow messages from their producer through
//! their consume jobs to the dead-letter queue, exported over OTLP (see `opentelemetry`).

mod commits;
mod events;
mod librdkafka;
mod logger;
mod metrics;
#[cfg(feature = "opentelemetry")]
pub mod opentelemetry;
pub mod statistics;
mod subscriber;
mod throttle;

pub(crate) use commits::commit_refused;
pub use commits::{AcknowledgedCommit, COMMITS_TARGET};
pub(crate) use events::Monitor;
pub use events::{AppState, Batch, ErrorKind, Event, FailedJob, Listener};
pub(crate) use librdkafka::{
    left_out, librdkafka_error, librdkafka_log, recovers_by_itself, repeated,
};
pub(crate) use logger::{list_partitions, Logger};
pub use metrics::Metrics;
pub use subscriber::{init_logging, set_log_format};
