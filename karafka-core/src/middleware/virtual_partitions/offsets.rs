//! The virtual offset manager: what the virtual partitions handled, across every batch running
//! at once, and the highest offset below which everything is handled (the only offset that may be
//! stored).

use std::collections::{HashMap, VecDeque};

/// One virtual partition's share of one batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct ShareId {
    /// The batch's number, as [`VirtualOffsets::extend`] gave it.
    pub(crate) batch: u64,
    /// The virtual partition.
    pub(crate) group: usize,
}

/// The marks of batches split into virtual partitions ("groups"). Batches join in offset order
/// while earlier ones still run, so one virtual partition may start its share of the next batch
/// while another finishes the previous one; the stored offset still waits for both.
#[derive(Debug, Clone, Default)]
pub(crate) struct VirtualOffsets {
    /// The offsets past the handled prefix, ascending, and whether each is handled.
    pending: VecDeque<(i64, bool)>,
    /// Per share: its offsets not marked yet, ascending.
    shares: HashMap<ShareId, VecDeque<i64>>,
    /// How many batches joined.
    batches: u64,
    /// The highest offset that joined.
    last: Option<i64>,
}

impl VirtualOffsets {
    /// Adds a batch of `offsets` (ascending) whose message `i` belongs to group `group_of[i]`;
    /// returns the batch's number, which names its shares. An offset that joined before (not
    /// past the highest so far) is left out: batches of one partition follow each other.
    pub(crate) fn extend(&mut self, offsets: &[i64], group_of: &[usize]) -> u64 {
        let batch = self.batches;
        self.batches += 1;
        for (&offset, &group) in offsets.iter().zip(group_of) {
            if self.last.is_some_and(|last| offset <= last) {
                continue;
            }
            self.last = Some(offset);
            self.pending.push_back((offset, false));
            self.shares
                .entry(ShareId { batch, group })
                .or_default()
                .push_back(offset);
        }
        batch
    }

    /// A share of `offsets` (ascending) across the batches joined: those past the highest so far
    /// join now, those still pending belong to it, those already in the handled prefix are left
    /// out. For a retry's messages, and for a whole batch's marks made outside its virtual
    /// partitions.
    pub(crate) fn share(&mut self, offsets: &[i64]) -> ShareId {
        let share = ShareId {
            batch: self.batches,
            group: 0,
        };
        self.batches += 1;
        let mut members = VecDeque::new();
        for &offset in offsets {
            if self.last.is_none_or(|last| offset > last) {
                self.last = Some(offset);
                self.pending.push_back((offset, false));
                members.push_back(offset);
            } else if self
                .pending
                .binary_search_by_key(&offset, |(at, _)| *at)
                .is_ok()
            {
                members.push_back(offset);
            }
        }
        if !members.is_empty() {
            self.shares.insert(share, members);
        }
        share
    }

    /// `share` handled every one of its messages up to `offset`. Returns the new highest offset
    /// below which (inclusive) everything that joined is handled, when that moved.
    pub(crate) fn mark(&mut self, share: ShareId, offset: i64) -> Option<i64> {
        let left = self.shares.get_mut(&share)?;
        let mut newly = Vec::new();
        while let Some(next) = left.front().copied().filter(|next| *next <= offset) {
            left.pop_front();
            newly.push(next);
        }
        if left.is_empty() {
            self.shares.remove(&share);
        }
        for offset in newly {
            self.set_handled(offset);
        }
        self.advance()
    }

    /// The message at `offset` was handled (in an earlier attempt).
    pub(crate) fn mark_offset(&mut self, offset: i64) -> Option<i64> {
        self.set_handled(offset);
        self.advance()
    }

    fn set_handled(&mut self, offset: i64) {
        if let Ok(index) = self.pending.binary_search_by_key(&offset, |(at, _)| *at) {
            self.pending[index].1 = true;
        }
    }

    fn advance(&mut self) -> Option<i64> {
        let mut moved = None;
        while let Some(&(offset, true)) = self.pending.front() {
            self.pending.pop_front();
            moved = Some(offset);
        }
        moved
    }

    /// The handled messages beyond the handled prefix (they must not be handed out again).
    pub(crate) fn handled_beyond_prefix(&self) -> impl Iterator<Item = i64> + '_ {
        self.pending
            .iter()
            .filter(|(_, handled)| *handled)
            .map(|(offset, _)| *offset)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use proptest::prelude::*;

    use super::*;

    /// One batch of `offsets` whose message `i` belongs to group `group_of[i]`.
    fn joined(offsets: &[i64], group_of: &[usize]) -> VirtualOffsets {
        let mut marks = VirtualOffsets::default();
        marks.extend(offsets, group_of);
        marks
    }

    /// A step of the property test: a batch joins, or a share marks up to one of its offsets.
    #[derive(Debug, Clone)]
    enum Step {
        Join {
            gaps: Vec<i64>,
            groups: Vec<usize>,
        },
        Mark {
            share: usize,
            offset: usize,
        },
        /// A share of some offsets that joined (a pick of each), and maybe new ones.
        Share {
            picks: Vec<usize>,
            more: Vec<i64>,
        },
    }

    fn step(groups: usize) -> impl Strategy<Value = Step> {
        prop_oneof![
            (1usize..20)
                .prop_flat_map(move |len| (
                    proptest::collection::vec(1i64..4, len),
                    proptest::collection::vec(0..groups, len)
                ))
                .prop_map(|(gaps, groups)| Step::Join { gaps, groups }),
            (any::<usize>(), any::<usize>())
                .prop_map(|(share, offset)| Step::Mark { share, offset }),
            (any::<usize>(), any::<usize>())
                .prop_map(|(share, offset)| Step::Mark { share, offset }),
            (
                proptest::collection::vec(any::<usize>(), 0..6),
                proptest::collection::vec(1i64..4, 0..4)
            )
                .prop_map(|(picks, more)| Step::Share { picks, more }),
        ]
    }

    proptest! {
        #[test]
        fn the_stored_offset_never_passes_an_unhandled_message_of_any_running_batch(
            (groups, steps) in (1usize..6).prop_flat_map(|groups| (Just(groups), proptest::collection::vec(step(groups), 1..60))),
        ) {
            let mut manager = VirtualOffsets::default();
            // The model: every offset that joined, each share's offsets, and what is handled.
            let mut joined: Vec<i64> = Vec::new();
            let mut shares: Vec<(ShareId, Vec<i64>)> = Vec::new();
            let mut handled: BTreeSet<i64> = BTreeSet::new();
            let mut stored: Option<i64> = None;
            let mut next = 100;
            for step in steps {
                match step {
                    Step::Join { gaps, groups: group_of } => {
                        let offsets: Vec<i64> = gaps.iter().map(|gap| { next += gap; next }).collect();
                        let group_of: Vec<usize> = group_of.iter().map(|g| g % groups).collect();
                        let batch = manager.extend(&offsets, &group_of);
                        for group in 0..groups {
                            let members: Vec<i64> = offsets.iter().zip(&group_of).filter(|(_, g)| **g == group).map(|(o, _)| *o).collect();
                            if !members.is_empty() {
                                shares.push((ShareId { batch, group }, members));
                            }
                        }
                        joined.extend(offsets);
                    }
                    Step::Mark { share, offset } if !shares.is_empty() => {
                        let (id, members) = &shares[share % shares.len()];
                        let upto = members[offset % members.len()];
                        handled.extend(members.iter().copied().filter(|o| *o <= upto));
                        if let Some(moved) = manager.mark(*id, upto) {
                            prop_assert!(stored.is_none_or(|s| moved > s), "the stored offset only moves forward");
                            stored = Some(moved);
                        }
                    }
                    Step::Mark { .. } => {}
                    Step::Share { picks, more } => {
                        let mut offsets: Vec<i64> = picks.iter().filter(|_| !joined.is_empty()).map(|pick| joined[pick % joined.len()]).collect();
                        let new: Vec<i64> = more.iter().map(|gap| { next += gap; next }).collect();
                        offsets.extend(&new);
                        offsets.sort_unstable();
                        offsets.dedup();
                        let id = manager.share(&offsets);
                        // Offsets already in the handled prefix are left out of the share.
                        let members: Vec<i64> = offsets.iter().copied().filter(|o| stored.is_none_or(|s| *o > s)).collect();
                        if !members.is_empty() {
                            shares.push((id, members));
                        }
                        joined.extend(new);
                    }
                }
                let expected = joined.iter().take_while(|o| handled.contains(o)).last().copied();
                prop_assert_eq!(stored, expected);
                let beyond: BTreeSet<i64> = manager.handled_beyond_prefix().collect();
                let model_beyond: BTreeSet<i64> = handled.iter().copied().filter(|o| expected.is_none_or(|e| *o > e)).collect();
                prop_assert_eq!(beyond, model_beyond);
            }
        }
    }

    #[test]
    fn earlier_handled_messages_count_towards_the_prefix() {
        let share = ShareId { batch: 0, group: 0 };
        let mut manager = joined(&[1, 2, 3], &[0, 0, 0]);
        assert_eq!(manager.mark_offset(2), None);
        assert_eq!(
            manager.mark(share, 1),
            Some(2),
            "1 and the earlier handled 2"
        );
        assert_eq!(manager.mark(share, 3), Some(3));
    }

    #[test]
    fn a_later_batch_done_first_waits_for_the_earlier_one() {
        let mut manager = joined(&[1, 2], &[0, 1]);
        let next = manager.extend(&[3, 4], &[1, 1]);
        assert_eq!(
            manager.mark(
                ShareId {
                    batch: next,
                    group: 1
                },
                4
            ),
            None
        );
        assert_eq!(
            manager.mark(ShareId { batch: 0, group: 1 }, 2),
            None,
            "1 is not handled yet"
        );
        assert_eq!(manager.mark(ShareId { batch: 0, group: 0 }, 1), Some(4));
        assert_eq!(manager.handled_beyond_prefix().count(), 0);
    }
}
