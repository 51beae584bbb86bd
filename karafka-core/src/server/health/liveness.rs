//! Whether a running server is alive, from what its listeners and jobs show: pure logic, apart
//! from the threads that gather it.

use std::time::{Duration, Instant};

/// A subscription group's listener, as liveness sees it.
#[derive(Debug, Clone)]
pub(crate) struct GroupView {
    pub(crate) name: String,
    pub(crate) last_poll: Instant,
    pub(crate) max_poll_interval: Duration,
    /// Since when its consumer is not steady in its group (out of it, joining, rebalancing).
    pub(crate) unsteady_since: Option<Instant>,
    /// It left its group because a job outran `max.poll.interval.ms`.
    pub(crate) evicted: bool,
}

/// A running job, as liveness sees it.
#[derive(Debug, Clone)]
pub(crate) struct JobView {
    pub(crate) consumer: &'static str,
    pub(crate) topic: String,
    pub(crate) partition: i32,
    pub(crate) started: Instant,
    /// Routed with `long_running_job`: exempt from `consuming_ttl`.
    pub(crate) long_running: bool,
}

/// The limits liveness holds a server to.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub(crate) consuming_ttl: Duration,
    pub(crate) joining_ttl: Duration,
}

/// Why the server is not alive at `now`; empty when it is.
pub(crate) fn failures(
    now: Instant,
    groups: &[GroupView],
    jobs: &[JobView],
    limits: Limits,
) -> Vec<String> {
    let mut reasons = Vec::new();
    for group in groups {
        let since_poll = now.saturating_duration_since(group.last_poll);
        if since_poll > group.max_poll_interval {
            reasons.push(format!(
                "subscription group {}: its listener last polled {} ms ago, longer than \
                 max.poll.interval.ms ({} ms)",
                group.name,
                since_poll.as_millis(),
                group.max_poll_interval.as_millis()
            ));
        }
        if group.evicted {
            reasons.push(format!(
                "subscription group {}: left its consumer group because a job ran longer than \
                 max.poll.interval.ms ({} ms)",
                group.name,
                group.max_poll_interval.as_millis()
            ));
        } else if let Some(since) = group.unsteady_since {
            let unsteady = now.saturating_duration_since(since);
            if unsteady > limits.joining_ttl {
                reasons.push(format!(
                    "subscription group {}: not steady in its consumer group (out of it, joining \
                     or rebalancing) for {} ms, longer than metrics.joining_ttl ({} ms)",
                    group.name,
                    unsteady.as_millis(),
                    limits.joining_ttl.as_millis()
                ));
            }
        }
    }
    for job in jobs.iter().filter(|job| !job.long_running) {
        let running = now.saturating_duration_since(job.started);
        if running > limits.consuming_ttl {
            reasons.push(format!(
                "partition {}/{}: {}'s job has run {} ms, longer than metrics.consuming_ttl ({} ms)",
                job.topic,
                job.partition,
                job.consumer,
                running.as_millis(),
                limits.consuming_ttl.as_millis()
            ));
        }
    }
    reasons
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const LIMITS: Limits = Limits {
        consuming_ttl: Duration::from_secs(10),
        joining_ttl: Duration::from_secs(30),
    };

    fn group(now: Instant, polled_ago: u64, out_for: Option<u64>) -> GroupView {
        GroupView {
            name: "app/app".into(),
            last_poll: now - Duration::from_millis(polled_ago),
            max_poll_interval: Duration::from_secs(300),
            unsteady_since: out_for.map(|ms| now - Duration::from_millis(ms)),
            evicted: false,
        }
    }

    fn job(now: Instant, running: u64, long_running: bool) -> JobView {
        JobView {
            consumer: "Orders",
            topic: "orders".into(),
            partition: 3,
            started: now - Duration::from_millis(running),
            long_running,
        }
    }

    /// An instant far enough from the process start to subtract test durations from.
    fn later() -> Instant {
        Instant::now() + Duration::from_secs(3_600)
    }

    #[test]
    fn a_polling_member_without_stalled_jobs_is_alive() {
        let now = later();
        let reasons = failures(
            now,
            &[group(now, 100, None)],
            &[job(now, 9_000, false)],
            LIMITS,
        );
        assert!(reasons.is_empty(), "{reasons:?}");
    }

    #[test]
    fn a_stalled_job_names_its_partition_and_a_long_running_one_is_exempt() {
        let now = later();
        let reasons = failures(
            now,
            &[group(now, 100, None)],
            &[job(now, 10_001, false), job(now, 999_999, true)],
            LIMITS,
        );
        assert_eq!(reasons.len(), 1, "{reasons:?}");
        assert!(reasons[0].starts_with("partition orders/3: Orders's job has run 10001 ms"));
        assert!(reasons[0].contains("metrics.consuming_ttl (10000 ms)"));
    }

    #[test]
    fn a_listener_that_stopped_polling_and_a_member_out_of_its_group_fail() {
        let now = later();
        let reasons = failures(now, &[group(now, 300_001, Some(30_001))], &[], LIMITS);
        assert_eq!(reasons.len(), 2, "{reasons:?}");
        assert!(reasons[0].contains("last polled 300001 ms ago"));
        assert!(reasons[1].contains("for 30001 ms, longer than metrics.joining_ttl"));
    }

    #[test]
    fn an_evicted_member_fails_at_once() {
        let now = later();
        let evicted = GroupView {
            evicted: true,
            ..group(now, 100, Some(1))
        };
        let reasons = failures(now, &[evicted], &[], LIMITS);
        assert_eq!(reasons.len(), 1, "{reasons:?}");
        assert!(reasons[0].contains("max.poll.interval.ms (300000 ms)"));
    }

    proptest! {
        /// One reason per limit exceeded, none otherwise, whatever the mix.
        #[test]
        fn one_reason_per_limit_exceeded(
            polls in prop::collection::vec(0u64..600_000, 0..4),
            outs in prop::collection::vec(prop::option::of(0u64..60_000), 0..4),
            jobs in prop::collection::vec((0u64..20_000, any::<bool>()), 0..6),
        ) {
            let now = later();
            let groups: Vec<GroupView> = polls
                .iter()
                .zip(outs.iter().chain(std::iter::repeat(&None)))
                .map(|(poll, out)| group(now, *poll, *out))
                .collect();
            let jobs: Vec<JobView> =
                jobs.iter().map(|(running, long)| job(now, *running, *long)).collect();
            let expected = groups
                .iter()
                .map(|g| {
                    usize::from(now - g.last_poll > g.max_poll_interval)
                        + usize::from(g.unsteady_since.is_some_and(|since| now - since > LIMITS.joining_ttl))
                })
                .sum::<usize>()
                + jobs
                    .iter()
                    .filter(|j| !j.long_running && now - j.started > LIMITS.consuming_ttl)
                    .count();
            prop_assert_eq!(failures(now, &groups, &jobs, LIMITS).len(), expected);
        }
    }
}
