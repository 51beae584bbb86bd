//! The batch a consumer handles and what it may do with its partition.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use crate::messages::{Message, Messages};
use crate::middleware::dead_letter_queue::Dispatcher;
use crate::middleware::DispatchError;
use crate::offsets::VirtualOffsets;
use crate::processing::{Assignment, Control};
use crate::producer::Producer;

/// The virtual partition a context's messages belong to, and the batch's shared marks.
#[derive(Clone)]
pub(crate) struct VirtualGroup {
    marks: Arc<Mutex<VirtualOffsets>>,
    group: usize,
    collapsed: bool,
}

impl VirtualGroup {
    pub(crate) fn new(marks: Arc<Mutex<VirtualOffsets>>, group: usize, collapsed: bool) -> Self {
        Self {
            marks,
            group,
            collapsed,
        }
    }

    /// Marks the group's messages up to `offset`; the offset to store, when it moved.
    fn mark(&self, offset: i64) -> Option<i64> {
        // The marks are plain data, consistent whenever the lock is released.
        let mut marks = self.marks.lock().unwrap_or_else(PoisonError::into_inner);
        marks.mark(self.group, offset)
    }
}

/// One consume job: its messages, and control over the partition they came from.
pub struct Context {
    messages: Messages,
    assignment: Arc<Assignment>,
    attempt: u32,
    producer: Producer,
    dead_letter: Option<Arc<Dispatcher>>,
    virtual_group: Option<VirtualGroup>,
    /// Whether anything was marked through this context.
    marked: AtomicBool,
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
            virtual_group: None,
            marked: AtomicBool::new(false),
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
            virtual_group: self.virtual_group.clone(),
            marked: AtomicBool::new(false),
        }
    }

    /// A context for one virtual partition's share of the batch.
    pub(crate) fn virtual_fork(&self, messages: Messages, group: VirtualGroup) -> Self {
        Self {
            virtual_group: Some(group),
            ..self.fork(messages, self.attempt)
        }
    }

    /// Marks the partition up to `offset` directly (all of it is known to be handled).
    pub(crate) fn mark_offset(&self, offset: i64) -> bool {
        self.assignment.mark(offset)
    }

    /// Whether anything was marked through this context.
    pub(crate) fn marked_any(&self) -> bool {
        self.marked.load(Ordering::Relaxed)
    }

    /// Whether this partition's consumer was seen marking messages before failing, so its first
    /// unmarked message is the one that failed.
    pub(crate) fn marks_as_it_goes(&self) -> bool {
        self.assignment.marks_as_it_goes()
    }

    /// The consumer marked messages in a job that then failed.
    pub(crate) fn note_marks_as_it_goes(&self) {
        self.assignment.note_marks_as_it_goes();
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
    /// and committed by the next interval commit (`auto.commit.interval.ms`). Marking an offset
    /// at or below an earlier mark changes nothing.
    ///
    /// Returns `false` when the partition is no longer owned (revoked or lost): the mark is not
    /// stored and another member will consume the message again.
    pub fn mark_as_consumed(&self, message: &Message) -> bool {
        if !self.owns(message) {
            return false;
        }
        self.marked.store(true, Ordering::Relaxed);
        match &self.virtual_group {
            // Under virtual partitions only what every virtual partition handled is stored.
            Some(group) => match group.mark(message.offset()) {
                Some(stored) => self.assignment.mark(stored),
                None => !self.assignment.is_revoked(),
            },
            None => self.assignment.mark(message.offset()),
        }
    }

    /// Like [`Context::mark_as_consumed`], then commits what is stored at once and waits for
    /// the broker. Returns `false` when the partition is no longer owned or the commit failed.
    pub async fn mark_as_consumed_sync(&self, message: &Message) -> bool {
        if !self.mark_as_consumed(message) {
            return false;
        }
        let Some(next) = self.assignment.next_unmarked() else {
            return true;
        };
        let assignment = Arc::clone(&self.assignment);
        tokio::task::spawn_blocking(move || assignment.commit_sync(next - 1))
            .await
            .unwrap_or(false)
    }

    /// Whether this job runs collapsed: a virtual partitions topic retrying after a failure, with
    /// one consumer in partition order.
    pub fn collapsed(&self) -> bool {
        self.virtual_group
            .as_ref()
            .is_some_and(|group| group.collapsed)
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
