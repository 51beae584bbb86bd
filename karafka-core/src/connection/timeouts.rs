//! The group timeouts of a consumer's librdkafka configuration, and what follows from them.

use std::time::Duration;

use rdkafka::ClientConfig;

/// librdkafka's default `max.poll.interval.ms`.
const DEFAULT_MAX_POLL_INTERVAL: Duration = Duration::from_millis(300_000);
/// librdkafka's default `session.timeout.ms`.
const DEFAULT_SESSION_TIMEOUT: Duration = Duration::from_millis(45_000);
/// librdkafka's default `heartbeat.interval.ms`.
const DEFAULT_HEARTBEAT_INTERVAL: Duration = Duration::from_millis(3_000);
/// librdkafka's default `auto.commit.interval.ms`.
const DEFAULT_COMMIT_INTERVAL: Duration = Duration::from_millis(5_000);
/// Kept free of the rebalance timeout for the commit on revocation and the rejoin.
const MIN_REVOCATION_MARGIN: Duration = Duration::from_secs(1);

/// The timeouts one subscription group's consumer runs under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct GroupTimeouts {
    /// `max.poll.interval.ms`, which is also the rebalance timeout the member sends the broker.
    pub(crate) max_poll_interval: Duration,
    /// `session.timeout.ms`.
    pub(crate) session_timeout: Duration,
    /// `heartbeat.interval.ms`: how late the member may learn that a rebalance started.
    pub(crate) heartbeat_interval: Duration,
    /// `auto.commit.interval.ms`: how often the runtime commits what was stored.
    pub(crate) commit_interval: Duration,
}

impl GroupTimeouts {
    /// The timeouts `config` sets, librdkafka's defaults where it sets none.
    pub(crate) fn from_config(config: &ClientConfig) -> Self {
        let millis = |key: &str, default: Duration| {
            config
                .get(key)
                .and_then(|ms| ms.parse().ok())
                .map_or(default, Duration::from_millis)
        };
        Self {
            max_poll_interval: millis("max.poll.interval.ms", DEFAULT_MAX_POLL_INTERVAL),
            session_timeout: millis("session.timeout.ms", DEFAULT_SESSION_TIMEOUT),
            heartbeat_interval: millis("heartbeat.interval.ms", DEFAULT_HEARTBEAT_INTERVAL),
            commit_interval: millis("auto.commit.interval.ms", DEFAULT_COMMIT_INTERVAL),
        }
    }

    /// How long a revocation may wait for the running jobs of the revoked partitions.
    ///
    /// The broker gives the members `max.poll.interval.ms` from the start of a rebalance to
    /// rejoin (classic protocol) or to acknowledge the revocation (KIP-848); a member that is
    /// later is dropped from the group with all its partitions, and its commits are refused.
    /// The member may learn of the rebalance up to a heartbeat late, and the commit on
    /// revocation and the rejoin need time too (a tenth of the timeout, at least a second).
    /// So the wait is the rebalance timeout less those, and never more than `limit`.
    pub(crate) fn revocation_grace(&self, limit: Duration) -> Duration {
        let margin = (self.max_poll_interval / 10).max(MIN_REVOCATION_MARGIN);
        self.max_poll_interval
            .saturating_sub(self.heartbeat_interval)
            .saturating_sub(margin)
            .min(limit)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn timeouts(max_poll_ms: u64, heartbeat_ms: u64) -> GroupTimeouts {
        let mut config = ClientConfig::new();
        config
            .set("max.poll.interval.ms", max_poll_ms.to_string())
            .set("heartbeat.interval.ms", heartbeat_ms.to_string());
        GroupTimeouts::from_config(&config)
    }

    #[test]
    fn unset_timeouts_are_librdkafkas_defaults() {
        let defaults = GroupTimeouts::from_config(&ClientConfig::new());
        assert_eq!(defaults.max_poll_interval, Duration::from_secs(300));
        assert_eq!(defaults.session_timeout, Duration::from_secs(45));
        assert_eq!(defaults.heartbeat_interval, Duration::from_secs(3));
        assert_eq!(defaults.commit_interval, Duration::from_secs(5));
    }

    #[test]
    fn the_grace_leaves_a_heartbeat_and_a_margin_of_the_rebalance_timeout() {
        let minute = Duration::from_secs(60);
        assert_eq!(
            timeouts(6_000, 1_000).revocation_grace(minute),
            Duration::from_secs(4)
        );
        // The default rebalance timeout is longer than Karafka's shutdown_timeout.
        assert_eq!(timeouts(300_000, 3_000).revocation_grace(minute), minute);
        assert_eq!(
            timeouts(2_000, 1_500).revocation_grace(minute),
            Duration::ZERO
        );
    }

    proptest! {
        #[test]
        fn the_grace_ends_before_the_member_would_be_dropped(
            max_poll_ms in 1u64..1_000_000,
            heartbeat_ms in 1u64..100_000,
            limit_ms in 0u64..1_000_000,
        ) {
            let timeouts = timeouts(max_poll_ms, heartbeat_ms);
            let limit = Duration::from_millis(limit_ms);
            let grace = timeouts.revocation_grace(limit);
            prop_assert!(grace <= limit);
            prop_assert!(
                grace.is_zero()
                    || grace + timeouts.heartbeat_interval + MIN_REVOCATION_MARGIN
                        <= timeouts.max_poll_interval
            );
        }
    }
}
