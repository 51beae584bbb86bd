//! Offset bookkeeping, kept free of I/O so it can be property-tested.

mod read_position;
mod tracker;

pub(crate) use read_position::ReadPosition;
pub(crate) use tracker::OffsetTracker;
