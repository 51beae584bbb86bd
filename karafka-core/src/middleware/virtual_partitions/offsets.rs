//! The virtual offset manager: what the virtual partitions of one batch handled, and the highest
//! offset below which everything is handled (the only offset that may be stored).

/// The marks of one batch split into virtual partitions ("groups").
#[derive(Debug, Clone)]
pub(crate) struct VirtualOffsets {
    /// The batch's offsets, ascending.
    offsets: Vec<i64>,
    handled: Vec<bool>,
    /// Per group: its messages' indices into `offsets`, ascending.
    groups: Vec<Vec<usize>>,
    /// How many leading messages of the batch are handled.
    prefix: usize,
}

impl VirtualOffsets {
    /// A batch of `offsets` (ascending) whose message `i` belongs to group `group_of[i]`.
    pub(crate) fn new(offsets: Vec<i64>, group_of: &[usize]) -> Self {
        let mut groups: Vec<Vec<usize>> = Vec::new();
        for (index, &group) in group_of.iter().enumerate() {
            if groups.len() <= group {
                groups.resize_with(group + 1, Vec::new);
            }
            groups[group].push(index);
        }
        Self {
            handled: vec![false; offsets.len()],
            offsets,
            groups,
            prefix: 0,
        }
    }

    /// Group `group` handled every one of its messages up to `offset`. Returns the new highest
    /// offset below which (inclusive) the whole batch is handled, when that moved.
    pub(crate) fn mark(&mut self, group: usize, offset: i64) -> Option<i64> {
        let indices = self.groups.get(group)?;
        for &index in indices
            .iter()
            .take_while(|&&index| self.offsets[index] <= offset)
        {
            self.handled[index] = true;
        }
        self.advance()
    }

    /// The message at `offset` was handled (in an earlier attempt).
    pub(crate) fn mark_offset(&mut self, offset: i64) -> Option<i64> {
        let index = self.offsets.binary_search(&offset).ok()?;
        self.handled[index] = true;
        self.advance()
    }

    fn advance(&mut self) -> Option<i64> {
        let before = self.prefix;
        while self.handled.get(self.prefix).copied().unwrap_or(false) {
            self.prefix += 1;
        }
        (self.prefix > before).then(|| self.offsets[self.prefix - 1])
    }

    /// The handled messages beyond the handled prefix (they must not be handed out again).
    pub(crate) fn handled_beyond_prefix(&self) -> impl Iterator<Item = i64> + '_ {
        self.offsets
            .iter()
            .zip(&self.handled)
            .skip(self.prefix)
            .filter(|(_, handled)| **handled)
            .map(|(offset, _)| *offset)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn the_stored_offset_never_passes_an_unhandled_message(
            gaps in proptest::collection::vec(1i64..4, 1..60),
            groups in 1usize..8,
            seed in proptest::collection::vec(any::<u64>(), 1..60),
            marks in proptest::collection::vec((any::<u64>(), any::<u64>()), 0..120),
        ) {
            let offsets: Vec<i64> = gaps.iter().scan(100, |at, gap| { *at += gap; Some(*at) }).collect();
            let group_of: Vec<usize> = (0..offsets.len()).map(|i| (seed[i % seed.len()] % groups as u64) as usize).collect();
            let mut manager = VirtualOffsets::new(offsets.clone(), &group_of);
            let mut model: BTreeSet<i64> = BTreeSet::new();
            let mut stored: Option<i64> = None;
            for (group_pick, offset_pick) in marks {
                let group = (group_pick % groups as u64) as usize;
                let offset = offsets[(offset_pick % offsets.len() as u64) as usize];
                for (i, &o) in offsets.iter().enumerate() {
                    if group_of[i] == group && o <= offset {
                        model.insert(o);
                    }
                }
                let expected = offsets.iter().take_while(|o| model.contains(o)).last().copied();
                if let Some(moved) = manager.mark(group, offset) {
                    prop_assert!(stored.is_none_or(|s| moved > s), "the stored offset only moves forward");
                    stored = Some(moved);
                }
                prop_assert_eq!(stored, expected);
                let beyond: BTreeSet<i64> = manager.handled_beyond_prefix().collect();
                let model_beyond: BTreeSet<i64> = model.iter().copied().filter(|o| expected.is_none_or(|e| *o > e)).collect();
                prop_assert_eq!(beyond, model_beyond);
            }
        }
    }

    #[test]
    fn earlier_handled_messages_count_towards_the_prefix() {
        let mut manager = VirtualOffsets::new(vec![1, 2, 3], &[0, 0, 0]);
        assert_eq!(manager.mark_offset(2), None);
        assert_eq!(manager.mark(0, 1), Some(2), "1 and the earlier handled 2");
        assert_eq!(manager.mark(0, 3), Some(3));
    }
}
