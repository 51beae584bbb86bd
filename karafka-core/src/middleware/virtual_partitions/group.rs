//! One virtual partition's share of a batch, as its consumer's context sees it: marks go through
//! the virtual offset manager before they reach the partition.

use std::sync::{Arc, Mutex, PoisonError};

use super::offsets::{ShareId, VirtualOffsets};
use crate::consumer::MarkFilter;

/// The share a context's messages are, and the marks of the batches running beside it.
pub(super) struct VirtualGroup {
    marks: Arc<Mutex<VirtualOffsets>>,
    share: ShareId,
    collapsed: bool,
}

impl VirtualGroup {
    pub(super) fn new(marks: Arc<Mutex<VirtualOffsets>>, share: ShareId, collapsed: bool) -> Self {
        Self {
            marks,
            share,
            collapsed,
        }
    }
}

impl MarkFilter for VirtualGroup {
    fn mark(&self, offset: i64) -> Option<i64> {
        // The marks are plain data, consistent whenever the lock is released.
        let mut marks = self.marks.lock().unwrap_or_else(PoisonError::into_inner);
        marks.mark(self.share, offset)
    }

    fn collapsed(&self) -> bool {
        self.collapsed
    }
}
