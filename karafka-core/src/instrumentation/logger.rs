//! The built-in listener that writes the runtime's log lines from its events: every app has it,
//! before the listeners it adds, so logs and events never disagree.
//!
//! Lines that say more than an event carries stay where they happen: the server's start and stop
//! summaries, a revocation's commit, dead-letter dispatches with their error, refused commits,
//! librdkafka's own reports.

use std::fmt::Write as _;
use std::time::Duration;

use super::events::{Event, FailedJob, Listener};
use super::{AppState, ErrorKind, COMMITS_TARGET};
use crate::TopicPartition;

/// The targets the lines always had, so `RUST_LOG` filters such as `karafka::processing=debug`
/// keep working: the modules where the runtime wrote them before this listener existed.
const JOBS: &str = "karafka::processing::coordinator";
const PARTITIONS: &str = "karafka::processing::registry";
const MEMBERSHIP: &str = "karafka::connection::listener";
const SERVER: &str = "karafka::server";

/// Logs events the way the runtime always did; see the module docs.
#[derive(Debug, Default)]
pub(crate) struct Logger;

impl Listener for Logger {
    fn on_event(&self, event: &Event) {
        match event {
            Event::ConsumeStarted { batch } => tracing::debug!(
                target: JOBS,
                topic = %batch.partition.topic,
                partition = batch.partition.partition,
                messages = batch.size,
                first_offset = batch.first_offset,
                last_offset = batch.last_offset,
                attempt = batch.attempt,
                "Consume job for {} on {} started",
                batch.consumer,
                batch.partition
            ),
            Event::Consumed {
                batch, duration, ..
            } => tracing::debug!(
                target: JOBS,
                topic = %batch.partition.topic,
                partition = batch.partition.partition,
                first_offset = batch.first_offset,
                last_offset = batch.last_offset,
                elapsed_ms = duration.as_millis() as u64,
                "Consume job for {} on {} finished in {} ms",
                batch.consumer,
                batch.partition,
                duration.as_millis()
            ),
            Event::ErrorOccurred {
                job: Some(FailedJob { batch, duration }),
                error,
                ..
            } => tracing::error!(
                target: JOBS,
                topic = %batch.partition.topic,
                partition = batch.partition.partition,
                first_offset = batch.first_offset,
                last_offset = batch.last_offset,
                elapsed_ms = duration.as_millis() as u64,
                attempt = batch.attempt,
                %error,
                "Consume job for {} on {} failed after {} ms",
                batch.consumer,
                batch.partition,
                duration.as_millis()
            ),
            Event::ErrorOccurred {
                kind: ErrorKind::MaxPollIntervalExceeded,
                error,
                ..
            } => tracing::error!(
                target: MEMBERSHIP,
                "{error}: leaving the group as Kafka's clients do, its results will not be \
                 committed; route the topic with long_running_job if its jobs may run this long"
            ),
            Event::Retry {
                partition,
                offset,
                attempt,
                backoff,
            } => tracing::warn!(
                target: JOBS,
                topic = %partition.topic,
                partition = partition.partition,
                offset,
                backoff_ms = backoff.as_millis() as u64,
                attempt,
                "Pausing {partition} at offset {offset} for {} ms after the error; then retrying \
                 (attempt {attempt})",
                backoff.as_millis()
            ),
            Event::Paused {
                partition,
                offset,
                timeout: Duration::MAX,
                manual: true,
            } => tracing::info!(
                target: JOBS,
                "Pausing {partition} until a command resumes it or while the process is quiet; resuming at offset {offset}"
            ),
            Event::Paused {
                partition,
                offset,
                timeout,
                manual: true,
            } => tracing::info!(
                target: JOBS,
                "Pausing {partition} for {} ms as the consumer asked; resuming at offset {offset}",
                timeout.as_millis()
            ),
            Event::Seek { partition, offset } => {
                tracing::info!(target: JOBS, "Seeking {partition} to offset {offset}")
            }
            Event::PartitionsAssigned { group, partitions } => tracing::info!(
                target: PARTITIONS,
                %group,
                "Assigned partitions: {}",
                list_partitions(partitions)
            ),
            Event::PartitionsLost { group, partitions } => tracing::warn!(
                target: PARTITIONS,
                %group,
                "Lost partitions: {} (another member owns them now; marks not committed are \
                 dropped)",
                list_partitions(partitions)
            ),
            Event::CommitAcknowledged {
                group,
                partition,
                offset,
            } => tracing::debug!(
                target: COMMITS_TARGET,
                group = group.as_str(),
                topic = partition.topic.as_str(),
                partition = partition.partition,
                offset,
                "Committed offset {offset} of {partition}"
            ),
            Event::AppStateChanged {
                state: AppState::Quieting,
            } => tracing::info!(
                target: SERVER,
                "Switching to quiet mode: running jobs finish, no new batch starts; staying in \
                 the groups until stopped"
            ),
            Event::AppStateChanged {
                state: AppState::Quiet,
            } => tracing::info!(
                target: SERVER,
                "Reached quiet mode: no job runs; still in the groups until stopped"
            ),
            _ => {}
        }
    }
}

/// `a/0, a/1, b/0`.
pub(crate) fn list_partitions(partitions: &[TopicPartition]) -> String {
    let mut text = String::new();
    for (index, partition) in partitions.iter().enumerate() {
        let separator = if index == 0 { "" } else { ", " };
        let _ = write!(text, "{separator}{partition}");
    }
    text
}
