//! A batch of messages of one partition, in offset order.

use std::sync::Arc;

use super::Message;

/// Which messages of the shared batch a `Messages` shows.
#[derive(Debug, Clone)]
enum Picks {
    /// Every message from this index on.
    From(usize),
    /// These indices, ascending.
    Only(Arc<[usize]>),
}

/// The messages one consume job handles: messages of one partition, in offset order.
///
/// Cloning is cheap: batches share their messages, and sub-batches (the messages a filter kept,
/// a virtual partition's share) are views of the same messages.
#[derive(Debug, Clone)]
pub struct Messages {
    all: Arc<[Message]>,
    picks: Picks,
}

impl Messages {
    /// A batch of `messages`, which must be of one partition and in offset order.
    pub fn new(messages: Vec<Message>) -> Self {
        Self {
            all: messages.into(),
            picks: Picks::From(0),
        }
    }

    /// How many messages there are.
    pub fn len(&self) -> usize {
        match &self.picks {
            Picks::From(start) => self.all.len().saturating_sub(*start),
            Picks::Only(indices) => indices.len(),
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The `index`-th message.
    pub fn get(&self, index: usize) -> Option<&Message> {
        match &self.picks {
            Picks::From(start) => self.all.get(start + index),
            Picks::Only(indices) => indices.get(index).and_then(|&i| self.all.get(i)),
        }
    }

    /// The messages, in offset order.
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            messages: self,
            front: 0,
            back: self.len(),
        }
    }

    /// The first message.
    pub fn first(&self) -> Option<&Message> {
        self.get(0)
    }

    /// The last message.
    pub fn last(&self) -> Option<&Message> {
        self.len().checked_sub(1).and_then(|index| self.get(index))
    }

    /// Offset of the first message.
    pub fn first_offset(&self) -> Option<i64> {
        self.first().map(Message::offset)
    }

    /// Offset of the last message.
    pub fn last_offset(&self) -> Option<i64> {
        self.last().map(Message::offset)
    }

    /// The messages of this batch from `offset` on.
    pub fn from_offset(&self, offset: i64) -> Self {
        self.select(|message| message.offset() >= offset)
    }

    /// The messages for which `keep` holds, in order.
    pub fn select(&self, mut keep: impl FnMut(&Message) -> bool) -> Self {
        let indices: Vec<usize> = match &self.picks {
            Picks::From(start) => (*start..self.all.len()).collect(),
            Picks::Only(indices) => indices.to_vec(),
        };
        let kept: Vec<usize> = indices
            .into_iter()
            .filter(|&i| keep(&self.all[i]))
            .collect();
        let picks = match kept.first() {
            // A contiguous tail needs no index list.
            Some(&first) if kept.len() == self.all.len() - first => Picks::From(first),
            None => Picks::From(self.all.len()),
            Some(_) => Picks::Only(kept.into()),
        };
        Self {
            all: Arc::clone(&self.all),
            picks,
        }
    }
}

impl<'a> IntoIterator for &'a Messages {
    type Item = &'a Message;
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

/// The messages of a [`Messages`], in offset order.
#[derive(Debug, Clone)]
pub struct Iter<'a> {
    messages: &'a Messages,
    front: usize,
    back: usize,
}

impl<'a> Iterator for Iter<'a> {
    type Item = &'a Message;

    fn next(&mut self) -> Option<&'a Message> {
        if self.front == self.back {
            return None;
        }
        self.front += 1;
        self.messages.get(self.front - 1)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.back - self.front;
        (left, Some(left))
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        if self.front == self.back {
            return None;
        }
        self.back -= 1;
        self.messages.get(self.back)
    }
}

impl ExactSizeIterator for Iter<'_> {}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn batch(offsets: &[i64]) -> Messages {
        Messages::new(
            offsets
                .iter()
                .map(|&offset| Message::new("t", 0, offset, None))
                .collect(),
        )
    }

    fn offsets(messages: &Messages) -> Vec<i64> {
        messages.iter().map(Message::offset).collect()
    }

    proptest! {
        #[test]
        fn selections_keep_exactly_the_chosen_messages_in_order(
            first in 0i64..1_000,
            gaps in proptest::collection::vec(1i64..5, 0..50),
            cut in 0i64..1_300,
            modulus in 1i64..5,
        ) {
            let all: Vec<i64> = gaps.iter().scan(first, |at, gap| { let o = *at; *at += gap; Some(o) }).collect();
            let messages = batch(&all);
            let tail = messages.from_offset(cut);
            prop_assert_eq!(offsets(&tail), all.iter().copied().filter(|&o| o >= cut).collect::<Vec<_>>());
            let picked = tail.select(|m| m.offset() % modulus == 0);
            let expected: Vec<i64> = all.iter().copied().filter(|&o| o >= cut && o % modulus == 0).collect();
            prop_assert_eq!(offsets(&picked), expected.clone());
            prop_assert_eq!(picked.len(), expected.len());
            prop_assert_eq!(picked.first_offset(), expected.first().copied());
            prop_assert_eq!(picked.last_offset(), expected.last().copied());
            // Selecting again narrows further; a suffix of a selection is a selection.
            prop_assert_eq!(offsets(&picked.from_offset(cut + 3)), expected.iter().copied().filter(|&o| o >= cut + 3).collect::<Vec<_>>());
        }
    }
}
