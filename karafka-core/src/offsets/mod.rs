//! Offset bookkeeping, kept free of I/O so it can be property-tested.

mod read_position;
mod tracker;
mod virtual_offsets;

pub(crate) use read_position::ReadPosition;
pub(crate) use tracker::OffsetTracker;
pub(crate) use virtual_offsets::VirtualOffsets;
