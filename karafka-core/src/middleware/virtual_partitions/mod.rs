//! Virtual partitions: key-ordered parallelism inside one partition.

use std::fmt;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Arc;

use crate::Message;

/// Maps a message to its virtual partition's key hash.
type Partitioner = Arc<dyn Fn(&Message) -> Option<u64> + Send + Sync>;

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
    // Read by the virtual partitions runtime, which routes refuse until it lands.
    #[allow(dead_code)]
    pub(crate) partitioner: Partitioner,
    pub(crate) max_partitions: Option<usize>,
}

impl fmt::Debug for VirtualPartitions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VirtualPartitions")
            .field("max_partitions", &self.max_partitions)
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
        }
    }

    /// At most this many virtual partitions per partition (default: `concurrency`).
    pub fn max_partitions(mut self, max_partitions: usize) -> Self {
        self.max_partitions = Some(max_partitions);
        self
    }
}
