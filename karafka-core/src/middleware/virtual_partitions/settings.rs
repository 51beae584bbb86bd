//! What a topic's virtual partitions are: how messages map to them and how many there are.

use std::fmt;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Arc;

use crate::Message;

/// Maps a message to its key's hash; `None` for a message without a key.
type Partitioner = Arc<dyn Fn(&Message) -> Option<u64> + Send + Sync>;

/// Maps a key's hash to a virtual partition, given how many there are.
type Reducer = Arc<dyn Fn(u64, usize) -> usize + Send + Sync>;

/// Where messages without a key go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Keyless {
    /// Spread over the virtual partitions in turn: they have no order to keep (the default).
    #[default]
    Spread,
    /// Keep them together, in order, in one virtual partition (serialised; logged at start).
    Together,
}

/// Virtual partition settings of a topic: a partitioner that maps each message to a key (messages
/// with one key stay in order), and how many virtual partitions run at once.
///
/// ```
/// use karafka::middleware::VirtualPartitions;
///
/// let by_key = VirtualPartitions::new(|message| message.key().map(<[u8]>::to_vec)).max_partitions(10);
/// ```
#[derive(Clone)]
pub struct VirtualPartitions {
    pub(crate) partitioner: Partitioner,
    pub(crate) max_partitions: Option<usize>,
    pub(crate) reducer: Option<Reducer>,
    pub(crate) keyless: Keyless,
}

impl fmt::Debug for VirtualPartitions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VirtualPartitions")
            .field("max_partitions", &self.max_partitions)
            .field("reducer", &self.reducer.is_some())
            .field("keyless", &self.keyless)
            .finish_non_exhaustive()
    }
}

impl VirtualPartitions {
    /// Splits batches by `partitioner`'s key; `None` marks a message without a key.
    pub fn new<K, F>(partitioner: F) -> Self
    where
        K: Hash,
        F: Fn(&Message) -> Option<K> + Send + Sync + 'static,
    {
        Self {
            partitioner: Arc::new(move |message| {
                partitioner(message).map(|key| {
                    let mut hasher = DefaultHasher::new();
                    key.hash(&mut hasher);
                    hasher.finish()
                })
            }),
            max_partitions: None,
            reducer: None,
            keyless: Keyless::default(),
        }
    }

    /// At most this many virtual partitions per partition (default: `concurrency`).
    pub fn max_partitions(mut self, max_partitions: usize) -> Self {
        self.max_partitions = Some(max_partitions);
        self
    }

    /// Chooses the virtual partition of a key's hash among `count` (default: `hash % count`).
    pub fn reducer(
        mut self,
        reducer: impl Fn(u64, usize) -> usize + Send + Sync + 'static,
    ) -> Self {
        self.reducer = Some(Arc::new(reducer));
        self
    }

    /// Where messages without a key go (default: [`Keyless::Spread`]).
    pub fn keyless(mut self, keyless: Keyless) -> Self {
        self.keyless = keyless;
        self
    }

    /// The virtual partition of each message of a batch, among `count`.
    pub(crate) fn assign<'a>(
        &self,
        messages: impl Iterator<Item = &'a Message>,
        count: usize,
    ) -> Vec<usize> {
        let count = count.max(1);
        let mut next_keyless = 0;
        messages
            .map(
                |message| match ((self.partitioner)(message), self.keyless) {
                    (Some(hash), _) => match &self.reducer {
                        Some(reducer) => reducer(hash, count) % count,
                        None => (hash % count as u64) as usize,
                    },
                    (None, Keyless::Together) => 0,
                    (None, Keyless::Spread) => {
                        next_keyless += 1;
                        (next_keyless - 1) % count
                    }
                },
            )
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn messages(keys: &[Option<&str>]) -> Vec<Message> {
        keys.iter()
            .enumerate()
            .map(|(offset, key)| {
                let message = Message::new("t", 0, offset as i64, None);
                match key {
                    Some(key) => message.with_key(key.as_bytes()),
                    None => message,
                }
            })
            .collect()
    }

    fn by_key() -> VirtualPartitions {
        VirtualPartitions::new(|m: &Message| m.key().map(<[u8]>::to_vec))
    }

    #[test]
    fn one_key_always_lands_in_one_virtual_partition() {
        let batch = messages(&[Some("a"), Some("b"), Some("a"), Some("c"), Some("a")]);
        let groups = by_key().assign(batch.iter(), 4);
        assert_eq!(groups[0], groups[2]);
        assert_eq!(groups[0], groups[4]);
        assert!(groups.iter().all(|&g| g < 4));
        assert_eq!(by_key().assign(batch.iter(), 4), groups, "the same in every batch");
    }

    #[test]
    fn keyless_messages_spread_or_stay_together_as_configured() {
        let batch = messages(&[None, None, None, None]);
        assert_eq!(by_key().assign(batch.iter(), 3), vec![0, 1, 2, 0]);
        assert_eq!(by_key().keyless(Keyless::Together).assign(batch.iter(), 3), vec![0, 0, 0, 0]);
    }

    #[test]
    fn a_reducer_picks_the_virtual_partition() {
        let batch = messages(&[Some("a"), Some("b")]);
        let first = by_key().reducer(|_, _| 7).assign(batch.iter(), 3);
        assert_eq!(first, vec![1, 1], "kept within range");
    }
}
