//! A bounded, oldest-first buffer: the newest `capacity` items, so memory never grows with
//! traffic.

use std::collections::VecDeque;

/// The newest `capacity` items pushed, oldest first.
#[derive(Debug, Clone)]
pub struct Ring<T> {
    items: VecDeque<T>,
    capacity: usize,
}

impl<T> Ring<T> {
    /// An empty ring keeping at most `capacity` items (at least one).
    pub fn new(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        Self {
            items: VecDeque::with_capacity(capacity.min(1024)),
            capacity,
        }
    }

    /// Adds `item`, dropping the oldest when full.
    pub fn push(&mut self, item: T) {
        if self.items.len() == self.capacity {
            self.items.pop_front();
        }
        self.items.push_back(item);
    }

    /// The items, newest first (as pages list them).
    pub fn newest_first(&self) -> impl Iterator<Item = &T> {
        self.items.iter().rev()
    }

    /// How many items it holds.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether it holds nothing.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn keeps_the_newest_capacity_items(capacity in 1usize..50, count in 0usize..200) {
            let mut ring = Ring::new(capacity);
            (0..count).for_each(|item| ring.push(item));
            let kept: Vec<usize> = ring.newest_first().copied().collect();
            let expected: Vec<usize> = (count.saturating_sub(capacity)..count).rev().collect();
            prop_assert_eq!(kept, expected);
            prop_assert!(ring.len() <= capacity);
        }
    }
}
