//! Testing consumers without a broker: an app's real routes and stacks on an in-memory Kafka,
//! in virtual time. This is the engine of the `karafka-testing` crate, which is what apps use;
//! it is also how this crate unit-tests its own runtime.
//!
//! The seam: processing reads partitions through its `PartitionSource` trait and produces
//! through [`Producer`](crate::Producer); here both are in memory (topics of partitions of
//! records), so the coordinators, retries, dead-letter queue, virtual partitions and filters
//! that run are the server's own.

mod backend;
mod error;
mod runtime;
mod source;
#[cfg(test)]
mod tests;

pub use error::TestError;
pub use runtime::{ConsumerGuard, TestRuntime};
