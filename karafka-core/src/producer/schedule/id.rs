//! The id of a scheduled message: the Kafka key of its envelope, its cancel and its tombstone.

use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// The id [`Producer::schedule`](crate::Producer::schedule) returns: `<target topic>-<uuid>`, as
/// Karafka's. It is the key of the envelope on the schedules topic, so the envelope, its cancel
/// and its tombstone land in one partition, in order, and compaction keeps only the last.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ScheduleId(String);

impl ScheduleId {
    /// A new id for a message to `topic`: the topic and 122 random bits in UUID v4 form.
    pub(crate) fn generate(topic: &str) -> Self {
        let high = random_u64();
        let low = random_u64();
        // Version 4 and the RFC 4122 variant, so the text reads as a UUID.
        let high = (high & !0xF000) | 0x4000;
        let low = (low & !(0xC000 << 48)) | (0x8000 << 48);
        Self(format!(
            "{topic}-{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
            high >> 32,
            (high >> 16) & 0xFFFF,
            high & 0xFFFF,
            low >> 48,
            low & 0xFFFF_FFFF_FFFF
        ))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The id as the envelope's key.
    pub(crate) fn as_key(&self) -> Vec<u8> {
        self.0.as_bytes().to_vec()
    }
}

/// An id read back from a key or a log line.
impl From<String> for ScheduleId {
    fn from(id: String) -> Self {
        Self(id)
    }
}

/// An id read back from a key or a log line.
impl From<&str> for ScheduleId {
    fn from(id: &str) -> Self {
        Self(id.to_owned())
    }
}

impl fmt::Display for ScheduleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// 64 bits no other call of this process (or another process) is likely to repeat: the
/// standard library's randomly keyed hasher over the time, a counter and the process id. Not
/// for secrets; ids only need to be unique.
fn random_u64() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = RandomState::new().build_hasher();
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_nanos());
    hasher.write_u128(nanos);
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.write_u32(std::process::id());
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn ids_name_their_topic_and_do_not_repeat() {
        let ids: HashSet<ScheduleId> = (0..10_000)
            .map(|_| ScheduleId::generate("orders"))
            .collect();
        assert_eq!(ids.len(), 10_000);
        for id in &ids {
            let uuid = id.as_str().strip_prefix("orders-").unwrap_or_default();
            assert_eq!(uuid.len(), 36, "{id}");
            assert_eq!(uuid.as_bytes()[14], b'4', "version 4: {id}");
        }
    }
}
