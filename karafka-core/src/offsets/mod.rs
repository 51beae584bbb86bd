//! Offset bookkeeping, kept free of I/O so it can be property-tested.

mod tracker;

pub(crate) use tracker::OffsetTracker;
