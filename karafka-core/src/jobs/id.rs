//! Job ids: unique without coordination, ordered roughly by time.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

/// Jobs enqueued by this process so far, so two ids of one millisecond differ.
static SEQUENCE: AtomicU64 = AtomicU64::new(0);

/// A new id: 32 hex digits, the milliseconds since the epoch, then 64 random bits mixed with
/// a per-process sequence number.
pub(crate) fn new_id(now: SystemTime) -> String {
    let millis = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |since| since.as_millis() as u64);
    // `RandomState` is seeded randomly per process and thread, so this is random enough for
    // uniqueness (not for secrets) without a dependency.
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(SEQUENCE.fetch_add(1, Ordering::Relaxed));
    hasher.write_u32(std::process::id());
    format!("{millis:016x}{:016x}", hasher.finish())
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn ids_of_one_millisecond_differ_and_start_with_the_time() {
        let now = SystemTime::UNIX_EPOCH + std::time::Duration::from_millis(0xabc);
        let ids: HashSet<String> = (0..10_000).map(|_| new_id(now)).collect();
        assert_eq!(ids.len(), 10_000);
        assert!(ids
            .iter()
            .all(|id| id.len() == 32 && id.starts_with("0000000000000abc")));
    }
}
