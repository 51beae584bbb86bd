//! A report of the server's status now.

use karafka::plugin::{GroupStatus, PartitionStatus, ServerStatus};

use super::process::{rss_bytes, Identity};
use super::tracker::Tracker;
use crate::commands::now_millis;
use crate::report::{
    GroupReport, JobReport, PartitionReport, PartitionState, ProcessInfo, ProcessState, Report,
    SCHEMA,
};

/// What stays the same between reports of one process.
pub(crate) struct Reporting<'a> {
    pub(crate) identity: &'a Identity,
    pub(crate) concurrency: usize,
    pub(crate) report_interval_ms: u64,
}

impl Reporting<'_> {
    /// The report of `status`, in `state`.
    pub(crate) fn report(
        &self,
        status: &ServerStatus,
        tracker: &Tracker,
        state: ProcessState,
    ) -> Report {
        Report {
            schema: SCHEMA,
            dispatched_at: now_millis(),
            process: ProcessInfo {
                id: self.identity.id.clone(),
                host: self.identity.host.clone(),
                pid: self.identity.pid,
                started_at: self.identity.started_at,
                rss_bytes: rss_bytes(),
                state,
                concurrency: self.concurrency,
                report_interval_ms: self.report_interval_ms,
                version: karafka::VERSION.to_owned(),
            },
            groups: status
                .groups
                .iter()
                .map(|group| group_report(group, tracker))
                .collect(),
            jobs: status
                .jobs
                .iter()
                .map(|job| JobReport {
                    group: job.subscription.to_string(),
                    consumer: job.consumer.to_owned(),
                    topic: job.topic.clone(),
                    partition: job.partition,
                    running_ms: millis(job.started.elapsed()),
                    long_running: job.long_running,
                })
                .collect(),
            counters: tracker.counters(),
        }
    }
}

fn group_report(group: &GroupStatus, tracker: &Tracker) -> GroupReport {
    GroupReport {
        name: group.name.clone(),
        consumer_group: group.consumer_group.clone(),
        poll_age_ms: millis(group.poll_age),
        joined: group.joined,
        partitions: group
            .partitions
            .iter()
            .map(|partition| partition_report(partition, tracker))
            .collect(),
    }
}

fn partition_report(status: &PartitionStatus, tracker: &Tracker) -> PartitionReport {
    let statistics = status.statistics.as_ref();
    let state = if status.held {
        PartitionState::Held
    } else {
        tracker
            .paused(&status.partition)
            .unwrap_or(PartitionState::Running)
    };
    PartitionReport {
        topic: status.partition.topic.clone(),
        partition: status.partition.partition,
        lag: statistics.and_then(|s| s.consumer_lag),
        stored_lag: statistics.and_then(|s| s.consumer_lag_stored),
        committed_offset: statistics.and_then(|s| s.committed_offset),
        stored_offset: statistics.and_then(|s| s.stored_offset),
        high_watermark: statistics.and_then(|s| s.high_watermark),
        state,
    }
}

fn millis(duration: std::time::Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}
