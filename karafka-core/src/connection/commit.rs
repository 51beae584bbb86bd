//! Offset commits, one at a time per consumer, with the broker's answer per partition.
//!
//! librdkafka's own interval commit is asynchronous, and a request it retries (after its
//! coordinator died, say) can reach the broker after a newer commit did: the reliability suite
//! saw acknowledged commits go back in 10 of 20 coordinator kills. So the runtime commits by
//! itself: every commit waits for the broker's final answer, and the next one starts after it.
//!
//! The listener's pace and the one-at-a-time rule are kept here; the commit itself, which needs
//! librdkafka's C API to learn each partition's answer, is [`native::commit_and_wait`].

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use rdkafka::consumer::Consumer as _;
use rdkafka::error::{KafkaError, KafkaResult};
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::TopicPartitionList;

use super::{native, KafkaConsumer};
use crate::instrumentation::{commit_refused, ErrorKind, Event};
use crate::TopicPartition;

/// Held for the length of a commit, so one consumer's commits never overlap.
#[derive(Debug, Default)]
pub(crate) struct CommitTurn(Mutex<()>);

/// Commits `offsets`, or every offset stored since the last commit when `None`, waits for the
/// broker and reports each partition's answer. Nothing to commit is success.
pub(crate) fn commit(
    consumer: &KafkaConsumer,
    offsets: Option<&TopicPartitionList>,
) -> KafkaResult<()> {
    let context = consumer.context();
    // The lock guards no data, so a panic while holding it leaves nothing inconsistent.
    let _turn = context
        .commit_turn()
        .0
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    let (code, answers) = native::commit_and_wait(consumer, offsets);
    let monitor = context.registry().monitor();
    for answer in answers {
        let partition = TopicPartition::new(answer.topic, answer.partition);
        match answer.error {
            None => {
                monitor.emit(|| Event::CommitAcknowledged {
                    group: context.name().to_owned(),
                    partition,
                    offset: answer.offset,
                });
            }
            Some(error) => {
                commit_refused(context.name(), &partition.topic, partition.partition, error);
                monitor.emit(|| Event::ErrorOccurred {
                    kind: ErrorKind::Commit,
                    partition: Some(partition),
                    offset: Some(answer.offset),
                    error: error.to_string(),
                    job: None,
                });
            }
        }
    }
    match code {
        RDKafkaErrorCode::NoError | RDKafkaErrorCode::NoOffset => Ok(()),
        error => Err(KafkaError::ConsumerCommit(error)),
    }
}

/// When the listener commits what was stored: every `auto.commit.interval.ms`.
#[derive(Debug)]
pub(crate) struct CommitInterval {
    every: Duration,
    next: Instant,
}

impl CommitInterval {
    pub(crate) fn new(every: Duration, now: Instant) -> Self {
        Self {
            every,
            next: now + every,
        }
    }

    /// Whether a commit is due at `now`; if so, the next one is due `every` after `now`.
    pub(crate) fn due(&mut self, now: Instant) -> bool {
        if now < self.next {
            return false;
        }
        self.next = now + self.every;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_commit_is_due_once_per_interval_counted_from_the_last() {
        let start = Instant::now();
        let second = Duration::from_secs(1);
        let mut interval = CommitInterval::new(second, start);
        assert!(!interval.due(start));
        assert!(!interval.due(start + second / 2));
        assert!(interval.due(start + second));
        assert!(!interval.due(start + second + second / 2));
        // A commit that took long (a coordinator failover) does not make the next one hurry.
        assert!(interval.due(start + second * 10));
        assert!(!interval.due(start + second * 10 + second / 2));
        assert!(interval.due(start + second * 11));
    }
}
