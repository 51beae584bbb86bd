//! What a topic's virtual partitions are: how messages map to them and how many there are.

use std::cmp::Reverse;
use std::collections::HashMap;
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
    /// Spread over the virtual partitions: they have no order to keep (the default).
    #[default]
    Spread,
    /// Keep them together, in order, in one virtual partition (serialised; logged at start).
    Together,
}

/// How keys are spread over the virtual partitions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Distribution {
    /// Per batch, the keys with most messages first, each to the least loaded virtual partition
    /// (counting what each has yet to finish of earlier batches), so none waits behind an
    /// unlucky hash (the default). A key whose earlier messages are still lined up or running
    /// goes where they are, so per-key order holds across batches.
    #[default]
    Balanced,
    /// `hash % count` (or the reducer's choice): a key always goes to the same virtual partition,
    /// and so to the same consumer instance, also across batches.
    Consistent,
}

/// Virtual partition settings of a topic: a partitioner that maps each message to a key (messages
/// with one key stay in order), and how many virtual partitions run at once.
///
/// ```
/// use karafka::middleware::{Keyless, VirtualPartitions};
///
/// // By the Kafka message key, the common case.
/// let by_key = VirtualPartitions::by_key().max_partitions(10);
/// // By anything derived from the message, here a header.
/// let by_tenant = VirtualPartitions::new(|message| message.headers().get_str("tenant").map(str::to_owned))
///     .keyless(Keyless::Together);
/// ```
#[derive(Clone)]
pub struct VirtualPartitions {
    pub(crate) partitioner: Partitioner,
    pub(crate) max_partitions: Option<usize>,
    pub(crate) reducer: Option<Reducer>,
    pub(crate) keyless: Keyless,
    pub(crate) distribution: Distribution,
    pub(crate) streaming: bool,
}

impl fmt::Debug for VirtualPartitions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VirtualPartitions")
            .field("max_partitions", &self.max_partitions)
            .field("reducer", &self.reducer.is_some())
            .field("keyless", &self.keyless)
            .field("distribution", &self.distribution)
            .field("streaming", &self.streaming)
            .finish_non_exhaustive()
    }
}

impl VirtualPartitions {
    /// Splits batches by `partitioner`'s key; `None` marks a message without a key. The key is
    /// owned (`|m| m.key()` borrows the message and does not compile): use
    /// [`VirtualPartitions::by_key`] to split by the message key.
    pub fn new<K, F>(partitioner: F) -> Self
    where
        K: Hash,
        F: Fn(&Message) -> Option<K> + Send + Sync + 'static,
    {
        Self::hashing(Arc::new(move |message| partitioner(message).map(hash)))
    }

    /// Splits batches by the Kafka message key; messages without one go where
    /// [`keyless`](Self::keyless) says. A key lands where
    /// `new(|m| m.key().map(<[u8]>::to_vec))` puts it, without copying it.
    pub fn by_key() -> Self {
        Self::hashing(Arc::new(|message| message.key().map(hash)))
    }

    /// Where messages without a key go, in words, for the server's start-up log.
    pub(crate) fn describe_keyless(&self) -> &'static str {
        match self.keyless {
            Keyless::Spread => "spread over them in turn",
            Keyless::Together => "kept together in one of them, in order",
        }
    }

    fn hashing(partitioner: Partitioner) -> Self {
        Self {
            partitioner,
            max_partitions: None,
            reducer: None,
            keyless: Keyless::default(),
            distribution: Distribution::default(),
            streaming: true,
        }
    }

    /// At most this many virtual partitions per partition (default: `concurrency`).
    pub fn max_partitions(mut self, max_partitions: usize) -> Self {
        self.max_partitions = Some(max_partitions);
        self
    }

    /// Chooses the virtual partition of a key's hash among `count`; implies
    /// [`Distribution::Consistent`].
    pub fn reducer(
        mut self,
        reducer: impl Fn(u64, usize) -> usize + Send + Sync + 'static,
    ) -> Self {
        self.reducer = Some(Arc::new(reducer));
        self.distribution = Distribution::Consistent;
        self
    }

    /// Where messages without a key go (default: [`Keyless::Spread`]).
    pub fn keyless(mut self, keyless: Keyless) -> Self {
        self.keyless = keyless;
        self
    }

    /// How keys are spread over the virtual partitions (default: [`Distribution::Balanced`]).
    pub fn distribution(mut self, distribution: Distribution) -> Self {
        self.distribution = distribution;
        self
    }

    /// Whether a virtual partition done with its share of a batch goes on with the partition's
    /// next batch while the others finish (default: `true`). Per-key order and the stored
    /// offset's guarantee hold either way; `false` waits for every virtual partition at the end
    /// of each batch. Routes with filters always wait: filters decide per batch, in order, and
    /// may pause the partition at a message.
    pub fn streaming(mut self, streaming: bool) -> Self {
        self.streaming = streaming;
        self
    }

    /// The unit each message of a batch moves with: its key, the keyless group, or itself alone.
    pub(crate) fn units<'a>(&self, messages: impl Iterator<Item = &'a Message>) -> Vec<Unit> {
        messages
            .enumerate()
            .map(
                |(index, message)| match ((self.partitioner)(message), self.keyless) {
                    (Some(hash), _) => Unit::Key(hash),
                    (None, Keyless::Together) => Unit::Keyless,
                    (None, Keyless::Spread) => Unit::Alone(index),
                },
            )
            .collect()
    }

    /// The virtual partition of each of a batch's `units`, among `count`. Under
    /// [`Distribution::Balanced`], a unit `pinned` to a virtual partition (its earlier messages
    /// still run there) stays with it, and the others go to the least loaded, counting `loads`
    /// (the messages each virtual partition has yet to finish) and this batch.
    pub(crate) fn assign(
        &self,
        units: &[Unit],
        count: usize,
        pinned: impl Fn(&Unit) -> Option<usize>,
        loads: &[usize],
    ) -> Vec<usize> {
        let count = count.max(1);
        match self.distribution {
            Distribution::Consistent => units
                .iter()
                .map(|unit| match unit {
                    Unit::Key(hash) => match &self.reducer {
                        Some(reducer) => reducer(*hash, count) % count,
                        None => (hash % count as u64) as usize,
                    },
                    Unit::Keyless => 0,
                    Unit::Alone(index) => index % count,
                })
                .collect(),
            Distribution::Balanced => balance(units, count, pinned, loads),
        }
    }
}

fn hash(key: impl Hash) -> u64 {
    let mut hasher = DefaultHasher::new();
    key.hash(&mut hasher);
    hasher.finish()
}

/// What a message moves with when virtual partitions are assigned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Unit {
    /// Messages of one key.
    Key(u64),
    /// Messages without a key, kept together.
    Keyless,
    /// A message without a key, spread: the index within its batch.
    Alone(usize),
}

/// Pinned units to their virtual partition; then the others, largest first, each to the least
/// loaded of `count` groups (ties: the lower group), loads starting at `loads`.
fn balance(
    units: &[Unit],
    count: usize,
    pinned: impl Fn(&Unit) -> Option<usize>,
    loads: &[usize],
) -> Vec<usize> {
    let mut sizes: HashMap<Unit, (usize, usize)> = HashMap::new();
    for (index, unit) in units.iter().enumerate() {
        sizes.entry(*unit).or_insert((0, index)).0 += 1;
    }
    let mut loads: Vec<usize> = (0..count)
        .map(|group| loads.get(group).copied().unwrap_or(0))
        .collect();
    let mut group_of: HashMap<Unit, usize> = HashMap::with_capacity(sizes.len());
    let mut free: Vec<(Unit, usize, usize)> = Vec::with_capacity(sizes.len());
    for (unit, (size, first)) in sizes {
        match pinned(&unit).filter(|group| *group < count) {
            Some(group) => {
                group_of.insert(unit, group);
                loads[group] += size;
            }
            None => free.push((unit, size, first)),
        }
    }
    free.sort_by_key(|&(_, size, first)| (Reverse(size), first));
    for (unit, size, _) in free {
        // `loads` has `count` >= 1 entries, so a least loaded group exists.
        let group = (0..count).min_by_key(|group| loads[*group]).unwrap_or(0);
        group_of.insert(unit, group);
        loads[group] += size;
    }
    units
        .iter()
        .map(|unit| group_of.get(unit).copied().unwrap_or(0))
        .collect()
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
        VirtualPartitions::by_key()
    }

    impl VirtualPartitions {
        /// A batch's virtual partitions with nothing running before it.
        fn assign_batch(&self, batch: &[Message], count: usize) -> Vec<usize> {
            self.assign(&self.units(batch.iter()), count, |_| None, &[])
        }
    }

    #[test]
    fn consistently_one_key_always_lands_in_one_virtual_partition() {
        let batch = messages(&[Some("a"), Some("b"), Some("a"), Some("c"), Some("a")]);
        let by_key = || by_key().distribution(Distribution::Consistent);
        let groups = by_key().assign_batch(&batch, 4);
        assert_eq!(groups[0], groups[2]);
        assert_eq!(groups[0], groups[4]);
        assert!(groups.iter().all(|&g| g < 4));
        assert_eq!(
            by_key().assign_batch(&batch, 4),
            groups,
            "the same in every batch"
        );
    }

    proptest::proptest! {
        #[test]
        fn balanced_keeps_keys_together_and_no_group_runs_far_longer(
            keys in proptest::collection::vec(0u8..40, 1..300),
            count in 1usize..10,
        ) {
            let names: Vec<String> = keys.iter().map(|k| format!("k{k}")).collect();
            let batch = messages(&names.iter().map(|n| Some(n.as_str())).collect::<Vec<_>>());
            let groups = by_key().assign_batch(&batch, count);
            let mut group_of_key: HashMap<&str, usize> = HashMap::new();
            for (name, group) in names.iter().zip(&groups) {
                proptest::prop_assert!(*group < count);
                proptest::prop_assert_eq!(*group_of_key.entry(name).or_insert(*group), *group, "a key stays together");
            }
            // Largest first to the least loaded: no group exceeds the average by more than the
            // largest key.
            let mut loads = vec![0usize; count];
            groups.iter().for_each(|g| loads[*g] += 1);
            let largest = keys.iter().map(|k| keys.iter().filter(|x| *x == k).count()).max().unwrap_or(0);
            let average = keys.len().div_ceil(count);
            proptest::prop_assert!(loads.iter().all(|load| *load <= average + largest));
        }
    }

    proptest::proptest! {
        #[test]
        fn balanced_keeps_a_key_where_its_earlier_messages_still_run(
            keys in proptest::collection::vec(0u8..40, 1..200),
            running in proptest::collection::vec((0u8..40, 0usize..8), 0..20),
            count in 1usize..8,
            loads in proptest::collection::vec(0usize..50, 0..8),
        ) {
            let names: Vec<String> = keys.iter().map(|k| format!("k{k}")).collect();
            let batch = messages(&names.iter().map(|n| Some(n.as_str())).collect::<Vec<_>>());
            let settings = by_key();
            let units = settings.units(batch.iter());
            let pinned: HashMap<Unit, usize> = running
                .iter()
                .map(|(key, group)| {
                    let name = format!("k{key}");
                    (settings.units(messages(&[Some(name.as_str())]).iter())[0], group % count)
                })
                .collect();
            let groups = settings.assign(&units, count, |unit| pinned.get(unit).copied(), &loads);
            let mut group_of_unit: HashMap<Unit, usize> = HashMap::new();
            for (unit, group) in units.iter().zip(&groups) {
                proptest::prop_assert!(*group < count);
                if let Some(pinned) = pinned.get(unit) {
                    proptest::prop_assert_eq!(group, pinned, "a running key stays where it runs");
                }
                proptest::prop_assert_eq!(*group_of_unit.entry(*unit).or_insert(*group), *group, "a key stays together");
            }
        }
    }

    #[test]
    fn keyless_messages_spread_or_stay_together_as_configured() {
        let batch = messages(&[None, None, None, None]);
        let spread = by_key().assign_batch(&batch, 3);
        let mut loads = [0; 3];
        spread.iter().for_each(|g| loads[*g] += 1);
        assert_eq!(loads.iter().max(), Some(&2), "spread: {spread:?}");
        let together = by_key().keyless(Keyless::Together).assign_batch(&batch, 3);
        assert!(together.iter().all(|g| *g == together[0]));
    }

    #[test]
    fn by_key_splits_by_the_message_key_as_a_copied_key_would() {
        let batch = messages(&[Some("a"), Some("b"), None, Some("a"), None, Some("c")]);
        let copied = || VirtualPartitions::new(|m: &Message| m.key().map(<[u8]>::to_vec));
        for distribution in [Distribution::Consistent, Distribution::Balanced] {
            assert_eq!(
                by_key().distribution(distribution).assign_batch(&batch, 3),
                copied().distribution(distribution).assign_batch(&batch, 3),
                "{distribution:?}"
            );
        }
        let groups = by_key()
            .keyless(Keyless::Together)
            .distribution(Distribution::Consistent)
            .assign_batch(&batch, 3);
        assert_eq!(groups[0], groups[3], "one key, one virtual partition");
        assert_eq!(groups[2], groups[4], "keyless messages together");
        let spread = by_key()
            .distribution(Distribution::Consistent)
            .assign_batch(&batch, 3);
        assert_ne!(spread[2], spread[4], "keyless messages spread");
    }

    #[test]
    fn a_reducer_picks_the_virtual_partition() {
        let batch = messages(&[Some("a"), Some("b")]);
        let first = by_key().reducer(|_, _| 7).assign_batch(&batch, 3);
        assert_eq!(first, vec![1, 1], "kept within range");
    }
}
