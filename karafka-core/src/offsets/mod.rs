//! Offset bookkeeping, kept free of I/O so it can be property-tested.

mod read_position;
mod seek_target;
mod tracker;

pub(crate) use read_position::ReadPosition;
pub use seek_target::SeekTarget;
pub(crate) use tracker::OffsetTracker;
