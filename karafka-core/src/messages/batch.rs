//! A batch of messages of one partition, in offset order.

use std::ops::Deref;
use std::sync::Arc;

use super::Message;

/// The messages one consume job handles: consecutive messages of one partition, in offset order.
///
/// Dereferences to a slice, so `iter()`, `len()`, `first()` and indexing work as on `[Message]`.
/// Cloning is cheap: batches share their messages.
#[derive(Debug, Clone)]
pub struct Messages {
    all: Arc<[Message]>,
    start: usize,
}

impl Messages {
    /// A batch of `messages`, which must be of one partition and in offset order.
    pub fn new(messages: Vec<Message>) -> Self {
        Self {
            all: messages.into(),
            start: 0,
        }
    }

    /// The messages of this batch from `offset` on (all of them when `offset` precedes the
    /// batch, none when it follows it).
    pub fn from_offset(&self, offset: i64) -> Self {
        let skipped = self.partition_point(|message| message.offset() < offset);
        Self {
            all: Arc::clone(&self.all),
            start: self.start + skipped,
        }
    }

    /// Offset of the first message.
    pub fn first_offset(&self) -> Option<i64> {
        self.first().map(Message::offset)
    }

    /// Offset of the last message.
    pub fn last_offset(&self) -> Option<i64> {
        self.last().map(Message::offset)
    }
}

impl Deref for Messages {
    type Target = [Message];

    fn deref(&self) -> &[Message] {
        &self.all[self.start..]
    }
}

impl<'a> IntoIterator for &'a Messages {
    type Item = &'a Message;
    type IntoIter = std::slice::Iter<'a, Message>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

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

    proptest! {
        #[test]
        fn from_offset_keeps_exactly_the_messages_at_or_after_it(
            first in 0i64..1_000,
            gaps in proptest::collection::vec(1i64..5, 0..50),
            cut in 0i64..1_300,
        ) {
            let offsets: Vec<i64> = gaps.iter().scan(first, |at, gap| { let o = *at; *at += gap; Some(o) }).collect();
            let rest = batch(&offsets).from_offset(cut);
            let expected: Vec<i64> = offsets.iter().copied().filter(|&o| o >= cut).collect();
            prop_assert_eq!(rest.iter().map(Message::offset).collect::<Vec<_>>(), expected);
            // Slicing twice is the same as slicing once at the later offset.
            prop_assert_eq!(rest.from_offset(cut + 2).first_offset(), batch(&offsets).from_offset(cut + 2).first_offset());
        }
    }
}
