//! `max_memory`: librdkafka's per-partition prefetch derived from one budget for the process.
//!
//! The runtime reads every assigned partition from its own librdkafka queue. librdkafka fills
//! such a queue up to `queued.max.messages.kbytes`, overshooting by at most one fetch of
//! `fetch.message.max.bytes`. Shared evenly by the partitions of every subscribed topic (the
//! most the process can be assigned), the two limits keep the prefetch of all partitions within
//! the budget: `partitions × (queued.max.messages.kbytes × 1024 + fetch.message.max.bytes) ≤
//! max_memory`.
//!
//! A queued message keeps the whole fetch response it came in alive (librdkafka does not copy
//! it out), and a response carries data of many partitions; with librdkafka's 1 MB responses a
//! few messages of slow partitions would pin far more than their share. So `fetch.max.bytes`
//! (and the consumer's `message.max.bytes`, which it may not undercut) is one partition's fetch
//! share as well: a response is never larger than what one partition may fetch.

use bytesize::ByteSize;

use super::{kafka_key, ConfigError, KafkaSettings};

/// The settings `max_memory` derives; a user setting any of them beside it is refused.
pub(crate) const DERIVED: [&str; 4] = [
    "queued.max.messages.kbytes",
    "fetch.message.max.bytes",
    "max.partition.fetch.bytes",
    "fetch.max.bytes",
];

/// One fetch asks for at most librdkafka's default of 1 MiB per partition; the rest of a larger
/// share goes to the queue.
const MAX_FETCH: u64 = 1024 * 1024;
/// The largest `queued.max.messages.kbytes` librdkafka accepts.
const MAX_QUEUE_KBYTES: u64 = i32::MAX as u64 / 1024;
/// The smallest share: a 1 KiB queue (librdkafka's minimum) and a 1 KiB fetch.
pub(crate) const MIN_SHARE: u64 = 2 * 1024;

/// Each partition's prefetch limits under a budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Prefetch {
    /// `queued.max.messages.kbytes`.
    pub(crate) queue_kbytes: u64,
    /// `fetch.message.max.bytes`.
    pub(crate) fetch_bytes: u64,
}

impl Prefetch {
    /// The limits that share `budget` among `partitions` (at least one is assumed, so a process
    /// whose topics do not exist yet still gets limits).
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] naming `max_memory` when a partition's share is below
    /// [`MIN_SHARE`].
    pub(crate) fn share(budget: ByteSize, partitions: usize) -> Result<Self, ConfigError> {
        let partitions = partitions.max(1) as u64;
        let share = budget.as_u64() / partitions;
        if share < MIN_SHARE {
            return Err(ConfigError::invalid(
                "max_memory",
                budget.display().iec(),
                format!(
                    "leaves {share} bytes for each of the {partitions} partitions of the \
                     subscribed topics; give at least {} in all ({} per partition)",
                    ByteSize::b(MIN_SHARE * partitions).display().iec(),
                    ByteSize::b(MIN_SHARE).display().iec()
                ),
            ));
        }
        let fetch_bytes = (share / 2).min(MAX_FETCH);
        let queue_kbytes = ((share - fetch_bytes) / 1024).min(MAX_QUEUE_KBYTES);
        Ok(Self {
            queue_kbytes,
            fetch_bytes,
        })
    }

    /// The most one partition holds ahead of its handler: its queue and one fetch.
    pub(crate) fn per_partition(self) -> u64 {
        self.queue_kbytes * 1024 + self.fetch_bytes
    }

    /// Sets the limits on a consumer's `settings`. A `message.max.bytes` set by hand (it is
    /// shared with the producer) is kept, and responses may then be that large.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] when `settings` already set one of them: `max_memory` would
    /// silently replace it.
    pub(crate) fn apply(self, settings: &mut KafkaSettings) -> Result<(), ConfigError> {
        refuse_derived(settings)?;
        settings.set("queued.max.messages.kbytes", self.queue_kbytes);
        settings.set("fetch.message.max.bytes", self.fetch_bytes);
        let response = match settings.get("message.max.bytes") {
            Some(value) => value
                .parse::<u64>()
                .map_err(|_| {
                    ConfigError::invalid(kafka_key("message.max.bytes"), value, "a number of bytes")
                })?
                .max(self.fetch_bytes),
            None => {
                settings.set("message.max.bytes", self.fetch_bytes);
                self.fetch_bytes
            }
        };
        settings.set("fetch.max.bytes", response);
        Ok(())
    }
}

/// Refuses a setting of `settings` that `max_memory` derives.
pub(crate) fn refuse_derived(settings: &KafkaSettings) -> Result<(), ConfigError> {
    match DERIVED
        .iter()
        .find_map(|key| settings.get(key).map(|value| (key, value)))
    {
        Some((key, value)) => Err(ConfigError::invalid(
            kafka_key(key),
            value,
            "is derived from `max_memory`: set one or the other",
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn every_partition_together_stays_within_the_budget(
            budget in MIN_SHARE..(64u64 << 30),
            partitions in 1usize..100_000,
        ) {
            match Prefetch::share(ByteSize::b(budget), partitions) {
                Ok(prefetch) => {
                    prop_assert!(prefetch.queue_kbytes >= 1);
                    prop_assert!(prefetch.fetch_bytes >= 1024);
                    prop_assert!(prefetch.fetch_bytes <= MAX_FETCH);
                    prop_assert!(prefetch.per_partition() * partitions as u64 <= budget);
                }
                Err(_) => prop_assert!(budget / (partitions as u64) < MIN_SHARE),
            }
        }

        #[test]
        fn more_partitions_never_get_more_each(
            budget in MIN_SHARE..(64u64 << 30),
            partitions in 1usize..10_000,
        ) {
            let fewer = Prefetch::share(ByteSize::b(budget), partitions);
            let more = Prefetch::share(ByteSize::b(budget), partitions + 1);
            if let (Ok(fewer), Ok(more)) = (fewer, more) {
                prop_assert!(more.per_partition() <= fewer.per_partition());
            }
        }
    }

    #[test]
    fn a_budget_of_64_mib_over_64_partitions_gives_each_a_mib() {
        let prefetch = Prefetch::share(ByteSize::mib(64), 64).unwrap();
        assert_eq!(prefetch.fetch_bytes, 512 * 1024);
        assert_eq!(prefetch.queue_kbytes, 512);
    }

    #[test]
    fn no_partitions_yet_counts_as_one() {
        let prefetch = Prefetch::share(ByteSize::mib(8), 0).unwrap();
        assert_eq!(prefetch, Prefetch::share(ByteSize::mib(8), 1).unwrap());
    }

    #[test]
    fn a_share_too_small_names_the_setting_and_the_least_budget() {
        let text = Prefetch::share(ByteSize::kib(64), 64)
            .unwrap_err()
            .to_string();
        assert!(text.contains("max_memory"), "{text}");
        assert!(text.contains("64 partitions"), "{text}");
        assert!(text.contains("128.0 KiB in all"), "{text}");
    }

    #[test]
    fn a_derived_setting_set_by_hand_is_refused_by_name() {
        let mut settings = KafkaSettings::new();
        settings.set("max.partition.fetch.bytes", 4096);
        let text = Prefetch::share(ByteSize::mib(1), 1)
            .unwrap()
            .apply(&mut settings)
            .unwrap_err()
            .to_string();
        assert!(
            text.contains("kafka.\"max.partition.fetch.bytes\""),
            "{text}"
        );
        assert!(text.contains("max_memory"), "{text}");
    }

    #[test]
    fn applied_limits_reach_librdkafka_names() {
        let mut settings = KafkaSettings::new();
        Prefetch::share(ByteSize::mib(64), 64)
            .unwrap()
            .apply(&mut settings)
            .unwrap();
        assert_eq!(settings.get("queued.max.messages.kbytes"), Some("512"));
        assert_eq!(settings.get("fetch.message.max.bytes"), Some("524288"));
        assert_eq!(settings.get("fetch.max.bytes"), Some("524288"));
        assert_eq!(settings.get("message.max.bytes"), Some("524288"));
    }

    #[test]
    fn a_message_max_bytes_set_by_hand_stays_and_bounds_the_responses() {
        let mut settings = KafkaSettings::new();
        settings.set("message.max.bytes", 2_000_000);
        Prefetch::share(ByteSize::mib(64), 64)
            .unwrap()
            .apply(&mut settings)
            .unwrap();
        assert_eq!(settings.get("message.max.bytes"), Some("2000000"));
        assert_eq!(settings.get("fetch.max.bytes"), Some("2000000"));
    }
}
