//! Health probes: whether the server is alive (`/health/live`) and ready (`/health/ready`),
//! each with the reasons when it is not.

mod liveness;

use std::time::Instant;

use serde::Serialize;

use super::Readiness;
use crate::config::MetricsConfig;
use crate::plugin::WatchedGroup;
use crate::processing::{RunningJob, Scheduler};
use liveness::{failures, GroupView, JobView, Limits};

/// A probe's answer: healthy when there is no reason against.
#[derive(Debug, Serialize)]
pub(crate) struct Report {
    /// `ok` or `failing`.
    status: &'static str,
    reasons: Vec<String>,
}

impl Report {
    fn from_reasons(reasons: Vec<String>) -> Self {
        Self {
            status: if reasons.is_empty() { "ok" } else { "failing" },
            reasons,
        }
    }

    pub(crate) fn healthy(&self) -> bool {
        self.reasons.is_empty()
    }

    /// Why it is not healthy; empty when it is.
    pub(crate) fn into_reasons(self) -> Vec<String> {
        self.reasons
    }
}

/// Answers the probes of a running server from its listeners' pulses and running jobs.
#[derive(Clone)]
pub(crate) struct Probes {
    readiness: Readiness,
    groups: Vec<WatchedGroup>,
    scheduler: Scheduler,
    limits: Limits,
}

impl Probes {
    pub(crate) fn new(
        readiness: Readiness,
        groups: Vec<WatchedGroup>,
        scheduler: Scheduler,
        config: &MetricsConfig,
    ) -> Self {
        Self {
            readiness,
            groups,
            scheduler,
            limits: Limits {
                consuming_ttl: config.consuming_ttl,
                joining_ttl: config.joining_ttl,
            },
        }
    }

    /// Jobs running now.
    pub(crate) fn running_jobs(&self) -> Vec<RunningJob> {
        self.scheduler.running()
    }

    /// The subscription groups watched.
    pub(crate) fn groups(&self) -> &[WatchedGroup] {
        &self.groups
    }

    /// Alive: every listener polls, no member stays out of its group, no job stalls.
    pub(crate) fn live(&self) -> Report {
        let groups: Vec<GroupView> = self
            .groups
            .iter()
            .map(|group| GroupView {
                name: group.name.clone(),
                last_poll: group.pulse.last_poll(),
                max_poll_interval: group.max_poll_interval,
                unsteady_since: group.pulse.unsteady_since(),
                evicted: group.pulse.evicting(),
            })
            .collect();
        // A job handed over at a rebalance holds no partition; only the others can stall one.
        let jobs: Vec<JobView> = self
            .scheduler
            .running_held()
            .into_iter()
            .map(|job| JobView {
                consumer: job.consumer,
                topic: job.topic,
                partition: job.partition,
                started: job.started,
                long_running: job.long_running,
            })
            .collect();
        Report::from_reasons(failures(Instant::now(), &groups, &jobs, self.limits))
    }

    /// Ready: running, every consumer in its group with its assignment.
    pub(crate) fn ready(&self) -> Report {
        if !self.readiness.is_running() {
            return Report::from_reasons(vec!["the server is not running (stopping)".into()]);
        }
        let not_joined = self.readiness.not_joined();
        let reasons = self
            .readiness
            .not_ready()
            .into_iter()
            .map(|group| {
                if not_joined.contains(&group) {
                    format!("subscription group {group}: not in its consumer group")
                } else {
                    format!("subscription group {group}: awaiting its assignment")
                }
            })
            .collect();
        Report::from_reasons(reasons)
    }
}
