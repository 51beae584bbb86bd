//! Processing: per-partition coordinators that run batches through each topic's stack, the
//! process-wide job limit, and the seam to Kafka ([`PartitionSource`], [`Backend`]).
//!
//! A partition's coordinator runs one job at a time (order), the [`Scheduler`] lets at most
//! `concurrency` jobs run at once, and a failed job pauses only its partition. Processing knows
//! nothing of librdkafka: `connection` implements the seam on it, the in-memory backend of
//! [`crate::testing`] for tests.

mod assignment;
mod coordinator;
mod hold;
mod registry;
mod scheduler;
mod source;
mod tally;
mod ticks;

pub(crate) use assignment::Assignment;
pub(crate) use coordinator::Coordinator;
pub(crate) use hold::Hold;
pub(crate) use registry::PartitionRegistry;
pub use scheduler::RunningJob;
pub(crate) use scheduler::Scheduler;
pub(crate) use source::{Backend, PartitionSource, Retry, Revocation};
pub(crate) use tally::Tally;
pub(crate) use ticks::{Idle, Ticks};
