//! The batch a consumer handles and what it may do with its partition.

use std::sync::Arc;
use std::time::Duration;

use crate::messages::{Message, Messages};
use crate::middleware::dead_letter_queue::Dispatcher;
use crate::middleware::DispatchError;
use crate::processing::{Assignment, Control};
use crate::producer::Producer;

/// One consume job: its messages, and control over the partition they came from.
pub struct Context {
    messages: Messages,
    assignment: Arc<Assignment>,
    attempt: u32,
    producer: Producer,
    dead_letter: Option<Arc<Dispatcher>>,
}

impl Context {
    pub(crate) fn new(
        messages: Messages,
        assignment: Arc<Assignment>,
        attempt: u32,
        producer: Producer,
        dead_letter: Option<Arc<Dispatcher>>,
    ) -> Self {
        Self {
            messages,
            assignment,
            attempt,
            producer,
            dead_letter,
        }
    }

    /// A context for `messages` (part of this job's batch) of the same partition.
    pub(crate) fn fork(&self, messages: Messages, attempt: u32) -> Self {
        Self {
            messages,
            assignment: Arc::clone(&self.assignment),
            attempt,
            producer: self.producer.clone(),
            dead_letter: self.dead_letter.clone(),
        }
    }

    /// The first offset of the partition not marked yet in this assignment.
    pub(crate) fn next_unmarked(&self) -> Option<i64> {
        self.assignment.next_unmarked()
    }

    /// The partition's next failure counts as its first attempt again.
    pub(crate) fn restart_attempts(&self) {
        self.assignment.restart_attempts();
    }

    /// The batch: messages of one partition in offset order.
    pub fn messages(&self) -> &Messages {
        &self.messages
    }

    /// The topic of the batch.
    pub fn topic(&self) -> &str {
        &self.assignment.origin().topic
    }

    /// The partition of the batch.
    pub fn partition(&self) -> i32 {
        self.assignment.origin().partition
    }

    /// Marks `message` (and every earlier one of the partition) as handled: its offset is stored
    /// and committed on librdkafka's next interval commit. Marking an offset at or below an
    /// earlier mark changes nothing.
    ///
    /// Returns `false` when the partition is no longer owned (revoked or lost): the mark is not
    /// stored and another member will consume the message again.
    pub fn mark_as_consumed(&self, message: &Message) -> bool {
        self.owns(message) && self.assignment.mark(message.offset())
    }

    /// Like [`Context::mark_as_consumed`], then commits at once and waits for the broker.
    /// Returns `false` when the partition is no longer owned or the commit failed.
    pub async fn mark_as_consumed_sync(&self, message: &Message) -> bool {
        if !self.mark_as_consumed(message) {
            return false;
        }
        let assignment = Arc::clone(&self.assignment);
        let offset = message.offset();
        tokio::task::spawn_blocking(move || assignment.commit_sync(offset))
            .await
            .unwrap_or(false)
    }

    /// Pauses the partition once this job returns: consumption resumes from `offset` after
    /// `timeout`. The batch is then not marked automatically; mark what was handled.
    pub fn pause(&self, offset: i64, timeout: Duration) {
        self.assignment.request(Control::Pause { offset, timeout });
    }

    /// Cancels a pause or seek requested earlier in this job.
    pub fn resume(&self) {
        self.assignment.take_control();
    }

    /// Continues the partition from `offset` once this job returns (forwards to skip, backwards
    /// to replay). The batch is then not marked automatically, and marks already stored stay.
    pub fn seek(&self, offset: i64) {
        self.assignment.request(Control::Seek { offset });
    }

    /// Whether the partition was taken away while this job ran; a long job should stop early,
    /// its marks are no longer stored.
    pub fn revoked(&self) -> bool {
        self.assignment.is_revoked()
    }

    /// How many times this batch was attempted, counting this one: 1 on the first run, 2 on the
    /// first retry.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// The app's producer.
    pub fn producer(&self) -> &Producer {
        &self.producer
    }

    /// Sends `message` to the topic's dead-letter queue by hand (e.g. after a validation
    /// failure), waits for the acknowledgement, then marks it. Messages before it are not marked.
    ///
    /// # Errors
    /// [`DispatchError::NotConfigured`] without a dead-letter queue, [`DispatchError::Produce`]
    /// when the write failed (the message stays unmarked), [`DispatchError::Revoked`] when the
    /// partition was lost.
    pub async fn dispatch_to_dlq(&self, message: &Message) -> Result<(), DispatchError> {
        let Some(dispatcher) = &self.dead_letter else {
            return Err(DispatchError::NotConfigured {
                topic: self.topic().to_owned(),
            });
        };
        dispatcher
            .dispatch(
                &self.producer,
                message,
                self.attempt,
                "dispatched by the consumer",
            )
            .await?;
        if self.mark_as_consumed(message) {
            Ok(())
        } else {
            Err(DispatchError::Revoked {
                topic: message.topic().to_owned(),
                partition: message.partition(),
                offset: message.offset(),
            })
        }
    }

    /// Whether this job asked for a pause or seek, which replaces automatic marking.
    pub(crate) fn moves_partition(&self) -> bool {
        self.assignment.has_control()
    }

    fn owns(&self, message: &Message) -> bool {
        let origin = self.assignment.origin();
        let owned = message.partition() == origin.partition && message.topic() == origin.topic;
        if !owned {
            tracing::warn!(
                topic = message.topic(),
                partition = message.partition(),
                offset = message.offset(),
                "cannot mark a message of another partition; mark it from its own consumer"
            );
        }
        owned
    }
}
