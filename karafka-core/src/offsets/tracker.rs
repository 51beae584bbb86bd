//! What one partition assignment has marked as handled.

/// The marks of one partition assignment. Marks only move forward, so the stored (and later
/// committed) offset never goes back behind a message that was reported handled.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct OffsetTracker {
    /// The highest offset marked, if any.
    marked: Option<i64>,
}

impl OffsetTracker {
    /// Records that `offset` and everything before it were handled. Returns whether this moves
    /// the mark forward (and so must be stored).
    pub(crate) fn mark(&mut self, offset: i64) -> bool {
        if self.marked.is_some_and(|marked| offset <= marked) {
            return false;
        }
        self.marked = Some(offset);
        true
    }

    /// The first offset not yet marked: where a retry resumes. `None` before any mark.
    pub(crate) fn next_unmarked(&self) -> Option<i64> {
        self.marked.map(|marked| marked + 1)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn the_mark_is_the_maximum_of_all_marks(marks in proptest::collection::vec(0i64..10_000, 0..100)) {
            let mut tracker = OffsetTracker::default();
            let mut model: Option<i64> = None;
            for offset in marks {
                let moved = tracker.mark(offset);
                prop_assert_eq!(moved, model.is_none_or(|m| offset > m));
                model = Some(model.map_or(offset, |m| m.max(offset)));
                prop_assert_eq!(tracker.next_unmarked(), model.map(|m| m + 1));
            }
        }
    }
}
