//! What the reports take from the runtime's events: counters, which partitions wait out a
//! pause or a retry, and the errors to write.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use karafka::instrumentation::{Event, Listener};
use karafka::TopicPartition;
use tokio::sync::mpsc;

use crate::report::{Counters, ErrorReport, PartitionState, SCHEMA};

/// How many error reports wait to be written before new ones are dropped (with a warning).
pub(crate) const ERROR_QUEUE: usize = 1_000;

/// Listens to the runtime's events for the reporter.
pub(crate) struct Tracker {
    process_id: String,
    /// Counted without a lock: `consumer.consumed` comes once per batch, on the jobs' threads.
    counters: Tally,
    /// Partitions waiting out a pause or a retry's backoff; absent ones run.
    paused: Mutex<HashMap<TopicPartition, PartitionState>>,
    errors: mpsc::Sender<ErrorReport>,
    /// A full error queue was reported once; not again until it drained.
    overflowing: AtomicBool,
    /// The reporter runs and writes the queued errors; until then none are queued (an app
    /// without a server, as in tests, never drains them).
    reporting: AtomicBool,
}

/// [`Counters`], each an atomic.
#[derive(Default)]
struct Tally {
    messages: AtomicU64,
    batches: AtomicU64,
    errors: AtomicU64,
    retries: AtomicU64,
    dead_letters: AtomicU64,
}

/// Adds `by` to `counter`.
fn count(counter: &AtomicU64, by: u64) {
    counter.fetch_add(by, Ordering::Relaxed);
}

impl Tracker {
    /// A tracker for `process_id`, and the receiving end of its error reports.
    pub(crate) fn new(process_id: String) -> (Self, mpsc::Receiver<ErrorReport>) {
        let (errors, receiver) = mpsc::channel(ERROR_QUEUE);
        let tracker = Self {
            process_id,
            counters: Tally::default(),
            paused: Mutex::new(HashMap::new()),
            errors,
            overflowing: AtomicBool::new(false),
            reporting: AtomicBool::new(false),
        };
        (tracker, receiver)
    }

    fn paused_map(&self) -> MutexGuard<'_, HashMap<TopicPartition, PartitionState>> {
        // Single inserts and removes leave the map consistent even if a holder panicked.
        self.paused.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The counters so far.
    pub(crate) fn counters(&self) -> Counters {
        let read = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        let tally = &self.counters;
        Counters {
            messages: read(&tally.messages),
            batches: read(&tally.batches),
            errors: read(&tally.errors),
            retries: read(&tally.retries),
            dead_letters: read(&tally.dead_letters),
        }
    }

    /// How `partition` waits, if it does (a held partition is reported by the runtime itself).
    pub(crate) fn paused(&self, partition: &TopicPartition) -> Option<PartitionState> {
        self.paused_map().get(partition).cloned()
    }

    /// An error report of this process, now.
    fn error(
        &self,
        kind: String,
        partition: Option<&TopicPartition>,
        offsets: Option<(i64, i64)>,
        error: &str,
    ) -> ErrorReport {
        ErrorReport {
            schema: SCHEMA,
            process_id: self.process_id.clone(),
            occurred_at: crate::commands::now_millis(),
            kind,
            group: None,
            consumer: None,
            topic: partition.map(|p| p.topic.clone()),
            partition: partition.map(|p| p.partition),
            first_offset: offsets.map(|(first, _)| first),
            last_offset: offsets.map(|(_, last)| last),
            error: error.to_owned(),
        }
    }

    /// From now on errors are queued for the reporter.
    pub(crate) fn start_reporting(&self) {
        self.reporting.store(true, Ordering::Relaxed);
    }

    fn queue(&self, report: ErrorReport) {
        if !self.reporting.load(Ordering::Relaxed) {
            return;
        }
        match self.errors.try_send(report) {
            Ok(()) => self.overflowing.store(false, Ordering::Relaxed),
            Err(mpsc::error::TrySendError::Full(report)) => {
                if !self.overflowing.swap(true, Ordering::Relaxed) {
                    tracing::warn!(
                        "{ERROR_QUEUE} error reports wait to be written to Kafka; dropping new \
                         ones until they are (this one: {} on {:?})",
                        report.kind,
                        report.topic
                    );
                }
            }
            // The reporter stopped: the process is shutting down.
            Err(mpsc::error::TrySendError::Closed(_)) => {}
        }
    }
}

impl Listener for Tracker {
    fn on_event(&self, event: &Event) {
        match event {
            Event::Consumed { batch, .. } => {
                count(&self.counters.batches, 1);
                count(&self.counters.messages, batch.size as u64);
            }
            Event::Retry {
                partition, attempt, ..
            } => {
                count(&self.counters.retries, 1);
                self.paused_map().insert(
                    partition.clone(),
                    PartitionState::Retrying { attempt: *attempt },
                );
            }
            Event::Paused {
                partition,
                manual: true,
                ..
            } => {
                self.paused_map()
                    .insert(partition.clone(), PartitionState::Paused);
            }
            Event::Resumed { partition } => {
                self.paused_map().remove(partition);
            }
            Event::PartitionsRevoked { partitions, .. }
            | Event::PartitionsLost { partitions, .. } => {
                let mut paused = self.paused_map();
                for partition in partitions {
                    paused.remove(partition);
                }
            }
            Event::DeadLetterDispatched {
                source,
                offset,
                topic,
                reason,
                ..
            } => {
                count(&self.counters.dead_letters, 1);
                // The failure that sent it there is an error like the attempts before it, which
                // the runtime reported themselves; with no retries it is the only one.
                let kind = format!("dead_letter ({topic})");
                self.queue(self.error(kind, Some(source), Some((*offset, *offset)), reason));
            }
            Event::ErrorOccurred {
                kind,
                partition,
                offset,
                error,
                job,
            } => {
                count(&self.counters.errors, 1);
                let batch = job.as_ref().map(|job| &job.batch);
                let offsets = batch
                    .map(|batch| (batch.first_offset, batch.last_offset))
                    .or(offset.map(|offset| (offset, offset)));
                let kind = format!("{kind:?}").to_lowercase();
                self.queue(ErrorReport {
                    group: batch.map(|batch| batch.group.clone()),
                    consumer: batch.map(|batch| batch.consumer.to_owned()),
                    ..self.error(kind, partition.as_ref(), offsets, error)
                });
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use karafka::instrumentation::ErrorKind;

    use super::*;

    fn partition() -> TopicPartition {
        TopicPartition::new("orders", 2)
    }

    /// Offset 9 of [`partition`] went to `orders_dlq` because of `reason`.
    fn dispatched(reason: &str) -> Event {
        Event::DeadLetterDispatched {
            source: partition(),
            offset: 9,
            topic: "orders_dlq".into(),
            dead_letter_partition: 0,
            dead_letter_offset: 3,
            attempts: 1,
            reason: reason.into(),
        }
    }

    #[test]
    fn retries_and_pauses_show_until_resumed_or_revoked() {
        let (tracker, _errors) = Tracker::new("p".into());
        tracker.on_event(&Event::Retry {
            partition: partition(),
            offset: 4,
            attempt: 2,
            backoff: Duration::from_millis(10),
        });
        assert_eq!(
            tracker.paused(&partition()),
            Some(PartitionState::Retrying { attempt: 2 })
        );
        tracker.on_event(&Event::Resumed {
            partition: partition(),
        });
        assert_eq!(tracker.paused(&partition()), None);
        assert_eq!(tracker.counters().retries, 1);
    }

    #[tokio::test]
    async fn nothing_is_queued_until_the_reporter_runs() {
        let (tracker, mut errors) = Tracker::new("p".into());
        tracker.on_event(&dispatched("boom"));
        assert!(errors.try_recv().is_err(), "not queued");
        assert_eq!(tracker.counters().dead_letters, 1, "still counted");
    }

    #[tokio::test]
    async fn a_dead_letter_is_reported_with_why_it_failed() {
        let (tracker, mut errors) = Tracker::new("p".into());
        tracker.start_reporting();
        tracker.on_event(&dispatched("charge failed: card declined"));
        let report = errors.try_recv().expect("queued");
        assert_eq!(report.kind, "dead_letter (orders_dlq)");
        assert_eq!((report.partition, report.first_offset), (Some(2), Some(9)));
        assert_eq!(report.error, "charge failed: card declined");
        assert_eq!(tracker.counters().dead_letters, 1);
    }

    #[tokio::test]
    async fn an_error_is_queued_with_its_coordinates_and_no_payload() {
        let (tracker, mut errors) = Tracker::new("p".into());
        tracker.start_reporting();
        tracker.on_event(&Event::ErrorOccurred {
            kind: ErrorKind::Consume,
            partition: Some(partition()),
            offset: Some(7),
            error: "charge failed: card declined".into(),
            job: None,
        });
        let report = errors.try_recv().expect("queued");
        assert_eq!(report.kind, "consume");
        assert_eq!(report.topic.as_deref(), Some("orders"));
        assert_eq!((report.partition, report.first_offset), (Some(2), Some(7)));
        assert_eq!(report.error, "charge failed: card declined");
        assert_eq!(tracker.counters().errors, 1);
    }
}
