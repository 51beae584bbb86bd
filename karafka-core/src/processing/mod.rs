//! Processing: per-partition coordinators that run batches through each topic's stack, the
//! process-wide job limit, and the pause/backoff policy.
//!
//! A partition's coordinator runs one job at a time (order), the [`Scheduler`] lets at most
//! `concurrency` jobs run at once, and a failed job pauses only its partition.

mod assignment;
mod backoff;
mod consumer_service;
mod coordinator;
mod registry;
mod scheduler;
mod tally;

pub(crate) use assignment::{Assignment, Control};
pub(crate) use backoff::Backoff;
pub(crate) use coordinator::Coordinator;
pub(crate) use registry::PartitionRegistry;
pub use scheduler::RunningJob;
pub(crate) use scheduler::Scheduler;
pub(crate) use tally::Tally;
