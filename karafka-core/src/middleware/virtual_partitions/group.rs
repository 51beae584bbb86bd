//! One virtual partition of a batch, as its consumer's context sees it: marks go through the
//! batch's virtual offset manager before they reach the partition.

use std::sync::{Arc, Mutex, PoisonError};

use super::offsets::VirtualOffsets;
use crate::consumer::MarkFilter;

/// The virtual partition a context's messages belong to, and the batch's shared marks.
pub(super) struct VirtualGroup {
    marks: Arc<Mutex<VirtualOffsets>>,
    group: usize,
    collapsed: bool,
}

impl VirtualGroup {
    pub(super) fn new(marks: Arc<Mutex<VirtualOffsets>>, group: usize, collapsed: bool) -> Self {
        Self {
            marks,
            group,
            collapsed,
        }
    }
}

impl MarkFilter for VirtualGroup {
    fn mark(&self, offset: i64) -> Option<i64> {
        // The marks are plain data, consistent whenever the lock is released.
        let mut marks = self.marks.lock().unwrap_or_else(PoisonError::into_inner);
        marks.mark(self.group, offset)
    }

    fn collapsed(&self) -> bool {
        self.collapsed
    }
}
