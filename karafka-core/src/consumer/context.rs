//! The batch a consumer handles and what it may do with its partition.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use super::runtime::{Control, DeadLetterSink, MarkFilter, PartitionHandle};
use super::stretch::{Streamed, Stretch};
use super::{DispatchError, MetadataError};
use crate::instrumentation::statistics::PartitionStatistics;
use crate::instrumentation::{Event, Monitor};
use crate::messages::{Message, Messages};
use crate::offsets::SeekTarget;
use crate::producer::{Bound, Delivery, Outcome, Producer, Transaction, TransactionError};
use crate::TopicPartition;

/// The reason a dead letter dispatched by the consumer itself carries.
const MANUAL_DISPATCH: &str = "dispatched by the consumer";

/// One consume job: its messages, and control over the partition they came from.
pub struct Context {
    messages: Messages,
    partition: Arc<dyn PartitionHandle>,
    attempt: u32,
    producer: Producer,
    dead_letter: Option<Arc<dyn DeadLetterSink>>,
    /// Under virtual partitions: what the partition may store of this context's marks.
    marks: Option<Arc<dyn MarkFilter>>,
    /// Whether the consumer marked anything itself through this context (or its virtual forks).
    marked: Arc<AtomicBool>,
    /// Set when a layer finished with the failing message (a dead-letter dispatch): the
    /// partition's next failure counts as a first attempt. Shared by every fork of the job.
    attempts_restarted: Arc<AtomicBool>,
    /// Under streaming virtual partitions: the job's place among the partition's batches
    /// running at once.
    streamed: Option<Streamed>,
    monitor: Monitor,
}

impl Context {
    pub(crate) fn new(
        messages: Messages,
        partition: Arc<dyn PartitionHandle>,
        attempt: u32,
        producer: Producer,
        dead_letter: Option<Arc<dyn DeadLetterSink>>,
        monitor: Monitor,
    ) -> Self {
        Self {
            messages,
            partition,
            attempt,
            producer,
            dead_letter,
            marks: None,
            marked: Arc::default(),
            attempts_restarted: Arc::default(),
            streamed: None,
            monitor,
        }
    }

    /// This job runs beside the partition's other batches of `streamed`'s stretch.
    pub(crate) fn streamed(mut self, streamed: Streamed) -> Self {
        self.streamed = Some(streamed);
        self
    }

    /// The stretch of batches this job runs in, if it runs beside others.
    pub(crate) fn stretch(&self) -> Option<&Arc<Stretch>> {
        self.streamed.as_ref().map(|streamed| &streamed.stretch)
    }

    /// The batch was taken in by its virtual partitions; `more` says whether the partition's
    /// next batch may start beside it.
    pub(crate) fn admit(&self, more: bool) {
        if let Some(streamed) = &self.streamed {
            streamed.admission.admit(more);
        }
    }

    /// Marks of this job made outside its virtual partitions go through `marks` from now on
    /// (the first call sets it). Only in a stretch: otherwise nothing runs beside the job.
    pub(crate) fn route_marks(&self, marks: impl FnOnce() -> Arc<dyn MarkFilter>) {
        if let Some(streamed) = &self.streamed {
            streamed.marks.get_or_init(marks);
        }
    }

    /// What this context's marks go through before they reach the partition, if anything.
    fn mark_filter(&self) -> Option<&Arc<dyn MarkFilter>> {
        self.marks.as_ref().or_else(|| {
            self.streamed
                .as_ref()
                .and_then(|streamed| streamed.marks.get())
        })
    }

    /// A context for `messages` (part of this job's batch) of the same partition.
    pub(crate) fn fork(&self, messages: Messages, attempt: u32) -> Self {
        self.derive(messages, attempt, self.marks.clone(), Arc::default())
    }

    /// A context for one virtual partition's share of the batch; what the consumer marks in it
    /// counts as marked in this one.
    pub(crate) fn virtual_fork(&self, messages: Messages, marks: Arc<dyn MarkFilter>) -> Self {
        self.derive(
            messages,
            self.attempt,
            Some(marks),
            Arc::clone(&self.marked),
        )
    }

    /// A context of this job and partition with its own messages, attempt and marking.
    fn derive(
        &self,
        messages: Messages,
        attempt: u32,
        marks: Option<Arc<dyn MarkFilter>>,
        marked: Arc<AtomicBool>,
    ) -> Self {
        Self {
            messages,
            partition: Arc::clone(&self.partition),
            attempt,
            producer: self.producer.clone(),
            dead_letter: self.dead_letter.clone(),
            marks,
            marked,
            attempts_restarted: Arc::clone(&self.attempts_restarted),
            streamed: self.streamed.clone(),
            monitor: self.monitor.clone(),
        }
    }

    /// Marks the partition up to `offset` directly (all of it is known to be handled).
    pub(crate) fn mark_offset(&self, offset: i64) -> bool {
        self.partition.mark(offset)
    }

    /// Marks the batch's last message on the consumer's behalf, after it returned `Ok`.
    pub(crate) fn mark_batch(&self) {
        if let Some(last) = self.messages.last() {
            self.mark(last);
        }
    }

    /// Whether the consumer marked anything itself through this context or its virtual forks.
    pub(crate) fn marked(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.marked)
    }

    /// Reports that `message` was written to the dead-letter queue at `delivery` after
    /// `attempts`, because of `reason`.
    pub(crate) fn dispatched(
        &self,
        message: &Message,
        delivery: &Delivery,
        attempts: u32,
        reason: &str,
    ) {
        self.monitor.emit(|| Event::DeadLetterDispatched {
            source: TopicPartition::new(message.topic(), message.partition()),
            offset: message.offset(),
            topic: delivery.topic.clone(),
            dead_letter_partition: delivery.partition,
            dead_letter_offset: delivery.offset,
            attempts,
            reason: reason.to_owned(),
        });
    }

    /// The wall clock messages' ages are measured against: the system's, or a test's virtual one.
    pub(crate) fn now(&self) -> SystemTime {
        self.partition.now()
    }

    /// The first offset of the partition not marked yet in this assignment.
    pub(crate) fn next_unmarked(&self) -> Option<i64> {
        self.partition.next_unmarked()
    }

    /// The partition's next failure counts as its first attempt again.
    pub(crate) fn restart_attempts(&self) {
        self.attempts_restarted.store(true, Ordering::Relaxed);
    }

    /// Whether a layer restarted the attempts, shared by every fork of this job.
    pub(crate) fn attempts_restarted(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.attempts_restarted)
    }

    /// The batch: messages of one partition in offset order.
    pub fn messages(&self) -> &Messages {
        &self.messages
    }

    /// The topic of the batch.
    pub fn topic(&self) -> &str {
        self.partition.topic()
    }

    /// The partition of the batch.
    pub fn partition(&self) -> i32 {
        self.partition.partition()
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
        self.mark(message)
    }

    /// Like [`Context::mark_as_consumed`], storing `metadata` with the offset (Kafka keeps it
    /// beside the committed offset, e.g. a position in a file the messages were written to).
    /// Later marks of this assignment carry it too, until another is set. Under virtual
    /// partitions it goes with the next offset stored, which is only what every virtual
    /// partition handled.
    pub fn mark_as_consumed_with_metadata(
        &self,
        message: &Message,
        metadata: impl AsRef<str>,
    ) -> bool {
        if !self.owns(message) {
            return false;
        }
        self.partition.set_metadata(metadata.as_ref());
        self.mark_as_consumed(message)
    }

    /// The partition's offset metadata: the latest set in this assignment
    /// ([`Context::mark_as_consumed_with_metadata`]), else what was committed with the offset
    /// before the partition was assigned here. The committed metadata is asked of the broker
    /// once per assignment, then kept. `None` when there is none.
    ///
    /// # Errors
    /// [`MetadataError`] when the broker did not answer.
    pub async fn offset_metadata(&self) -> Result<Option<String>, MetadataError> {
        let partition = Arc::clone(&self.partition);
        let answer = tokio::task::spawn_blocking(move || partition.metadata())
            .await
            .unwrap_or_else(|error| Err(error.to_string()));
        answer.map_err(|reason| MetadataError {
            topic: self.topic().to_owned(),
            partition: self.partition(),
            reason,
        })
    }

    fn mark(&self, message: &Message) -> bool {
        match self.mark_filter() {
            // Under virtual partitions only what every virtual partition handled is stored.
            Some(marks) => match marks.mark(message.offset()) {
                Some(stored) => self.partition.mark(stored),
                None => !self.partition.is_revoked(),
            },
            None => self.partition.mark(message.offset()),
        }
    }

    /// Like [`Context::mark_as_consumed`], then commits what is stored at once and waits for
    /// the broker. Returns `false` when the partition is no longer owned or the commit failed.
    pub async fn mark_as_consumed_sync(&self, message: &Message) -> bool {
        if !self.mark_as_consumed(message) {
            return false;
        }
        let Some(next) = self.partition.next_unmarked() else {
            return true;
        };
        let partition = Arc::clone(&self.partition);
        tokio::task::spawn_blocking(move || partition.commit_sync(next - 1))
            .await
            .unwrap_or(false)
    }

    /// Runs `body` in a transaction of [`Context::producer`] (which needs a `transactional.id`)
    /// that also commits the offsets of the messages it marks ([`Transaction::mark_as_consumed`]):
    /// what it produced becomes visible to `read_committed` consumers exactly when its marks are
    /// committed, so each message's output is there once, even across crashes and rebalances.
    /// The offsets go with the consumer group's metadata, so the broker refuses the commit of a
    /// member that lost the partition. Commits when `body` returns `Ok`, aborts when it returns
    /// `Err` or panics; records produced by `ctx.producer()` in the body join the transaction.
    ///
    /// ```
    /// # use karafka::{Context, producer::Record};
    /// # async fn consume(ctx: &mut Context) -> anyhow::Result<()> {
    /// let messages = ctx.messages().clone();
    /// ctx.transaction(|tx| async move {
    ///     for message in messages.iter() {
    ///         tx.produce(Record::raw("totals", message.raw_payload().map(<[u8]>::to_vec))).await?;
    ///     }
    ///     if let Some(last) = messages.last() {
    ///         tx.mark_as_consumed(last);
    ///     }
    ///     Ok::<_, anyhow::Error>(())
    /// })
    /// .await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// The body's error, after the abort; else, through `E: From`, a [`TransactionError`]:
    /// `Revoked` when the partition was taken away (checked before the transaction and before
    /// its commit), `VirtualPartitions` when it marked under virtual partitions, and those of
    /// [`Producer::transaction`]. When a commit timed out, the producer is rebuilt at once,
    /// which settles the transaction, and the committed offset tells whether it went through:
    /// then this returns `Ok`.
    pub async fn transaction<T, E, F, Fut>(&self, body: F) -> Result<T, E>
    where
        F: FnOnce(Transaction) -> Fut,
        Fut: Future<Output = Result<T, E>>,
        E: From<TransactionError>,
    {
        let revoked = || TransactionError::Revoked {
            topic: self.topic().to_owned(),
            partition: self.partition(),
        };
        if self.partition.is_revoked() {
            return Err(revoked().into());
        }
        let partition = Arc::clone(&self.partition);
        let bound = Bound {
            topic: self.topic().to_owned(),
            partition: self.partition(),
            group: self.partition.group_metadata().map(Arc::new),
            virtual_partitions: self.in_virtual_partition(),
            revoked: Box::new(move || partition.is_revoked()),
        };
        match self.producer.run_transaction(Some(bound), body).await {
            Outcome::Committed {
                value,
                marked,
                offsets_sent,
            } => {
                if let Some(offset) = marked {
                    self.marked.store(true, Ordering::Relaxed);
                    let owned = if offsets_sent {
                        self.partition.mark_committed(offset)
                    } else {
                        self.partition.mark(offset)
                    };
                    if !owned {
                        return Err(revoked().into());
                    }
                }
                Ok(value)
            }
            Outcome::Failed(error) => Err(error),
            Outcome::Unknown {
                value,
                marked,
                error,
            } => match marked {
                Some(offset) if self.settled_as_committed(offset).await => {
                    self.marked.store(true, Ordering::Relaxed);
                    self.partition.mark_committed(offset);
                    Ok(value)
                }
                _ => Err(error.into()),
            },
        }
    }

    /// After a commit of unknown outcome that carried `offset`: rebuilds the producer, which
    /// settles the transaction, then asks the broker whether the partition's committed offset
    /// is past `offset`.
    async fn settled_as_committed(&self, offset: i64) -> bool {
        if let Err(error) = self.producer.settle().await {
            tracing::warn!(%error, "the transactional producer could not be rebuilt");
            return false;
        }
        let partition = Arc::clone(&self.partition);
        let committed = tokio::task::spawn_blocking(move || partition.committed_offset())
            .await
            .unwrap_or_else(|error| Err(error.to_string()));
        match committed {
            Ok(committed) => committed.is_some_and(|next| next > offset),
            Err(error) => {
                tracing::warn!(
                    topic = self.topic(),
                    partition = self.partition(),
                    %error,
                    "the committed offset could not be read after a transaction of unknown outcome"
                );
                false
            }
        }
    }

    /// Whether this job runs collapsed: a virtual partitions topic retrying after a failure, with
    /// one consumer in partition order.
    pub fn collapsed(&self) -> bool {
        self.marks.as_ref().is_some_and(|marks| marks.collapsed())
    }

    /// Pauses the partition once this job returns: consumption resumes from `offset` after
    /// `timeout`. The batch is then not marked automatically; mark what was handled.
    pub fn pause(&self, offset: i64, timeout: Duration) {
        self.partition.request(Some(Control::Pause {
            offset,
            timeout: Some(timeout),
        }));
    }

    /// Pauses the partition once this job returns until it is resumed: by
    /// [`Context::resume`] in a [`tick`](crate::Consumer::tick) (with `periodic` ticking during
    /// pauses), or by [`plugin::Control::resume`](crate::plugin::Control::resume) (the web UI's
    /// resume button). Consumption then goes on from `offset`. A rebalance ends the pause: the
    /// next owner reads from the last commit.
    pub fn pause_until_resumed(&self, offset: i64) {
        self.partition.request(Some(Control::Pause {
            offset,
            timeout: None,
        }));
    }

    /// Cancels a pause or seek requested earlier in this job; in a tick while the partition is
    /// paused, ends the pause.
    pub fn resume(&self) {
        self.partition.request(Some(Control::Resume));
    }

    /// Continues the partition from `offset` once this job returns (forwards to skip, backwards
    /// to replay). The batch is then not marked automatically, and marks already stored stay.
    pub fn seek(&self, offset: i64) {
        self.seek_to(SeekTarget::Offset(offset));
    }

    /// Like [`Context::seek`], to the first message at or after a time, the oldest message still
    /// held, or the end.
    ///
    /// ```
    /// # use std::time::{Duration, SystemTime};
    /// # use karafka::Context;
    /// use karafka::SeekTarget;
    ///
    /// /// Reads the last hour again.
    /// fn replay_last_hour(ctx: &Context) {
    ///     ctx.seek_to(SeekTarget::Time(SystemTime::now() - Duration::from_secs(3600)));
    /// }
    /// ```
    pub fn seek_to(&self, to: SeekTarget) {
        self.partition.request(Some(Control::Seek { to }));
    }

    /// Commits what is marked (and every offset stored on this partition's connection) now,
    /// without waiting for the broker's answer; the interval commit would take it later anyway.
    /// Returns `false` when the partition is no longer owned.
    pub fn commit_offsets(&self) -> bool {
        if self.partition.is_revoked() {
            return false;
        }
        let partition = Arc::clone(&self.partition);
        drop(tokio::task::spawn_blocking(move || {
            partition.commit_stored()
        }));
        true
    }

    /// Commits what is marked now and waits for the broker: `true` once it acknowledged,
    /// `false` when the partition is no longer owned or the commit failed.
    pub async fn commit_offsets_sync(&self) -> bool {
        let partition = Arc::clone(&self.partition);
        tokio::task::spawn_blocking(move || partition.commit_stored())
            .await
            .unwrap_or(false)
    }

    /// Whether the partition was taken away while this job ran; a long job should stop early,
    /// its marks are no longer stored.
    pub fn revoked(&self) -> bool {
        self.partition.is_revoked()
    }

    /// The partition's figures as of librdkafka's latest statistics (every
    /// `statistics.interval.ms`, 5 s by default): consumer lag, watermarks, committed and stored
    /// offsets. `None` before the first report, or with statistics turned off. Under the test
    /// runtime, the figures of the in-memory cluster now.
    ///
    /// ```
    /// # use karafka::Context;
    /// fn behind(ctx: &Context) -> bool {
    ///     ctx.insights()
    ///         .and_then(|figures| figures.consumer_lag)
    ///         .is_some_and(|lag| lag > 10_000)
    /// }
    /// ```
    pub fn insights(&self) -> Option<PartitionStatistics> {
        self.partition.insights()
    }

    /// How many times this batch was attempted, counting this one: 1 on the first run, 2 on the
    /// first retry.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// The producer of the route's cluster: the app's producer, unless the route's `kafka`
    /// settings name another cluster (then that cluster's, which the route's dead-letter queue
    /// and transactions use too). To produce to the app's cluster from such a route, give the
    /// consumer a clone of [`App::producer`](crate::App::producer).
    pub fn producer(&self) -> &Producer {
        &self.producer
    }

    /// Sends `message` to the topic's dead-letter queue by hand (e.g. after a validation
    /// failure), waits for the acknowledgement, then marks it; like every mark, that covers the
    /// partition's messages before it, so handle or dispatch those first.
    ///
    /// # Errors
    /// [`DispatchError::NotConfigured`] without a dead-letter queue, [`DispatchError::Produce`]
    /// when the write failed (the message stays unmarked), [`DispatchError::Revoked`] when the
    /// partition was lost.
    pub async fn dispatch_to_dlq(&self, message: &Message) -> Result<(), DispatchError> {
        let Some(dead_letter) = &self.dead_letter else {
            return Err(DispatchError::NotConfigured {
                topic: self.topic().to_owned(),
            });
        };
        let delivery = dead_letter
            .send(&self.producer, message, self.attempt, MANUAL_DISPATCH)
            .await?;
        if let Some(delivery) = &delivery {
            self.dispatched(message, delivery, self.attempt, MANUAL_DISPATCH);
        }
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

    /// Whether this context is one virtual partition's share of a job, or a job that runs
    /// beside others under streaming virtual partitions.
    pub(crate) fn in_virtual_partition(&self) -> bool {
        // A job beside others in a stretch counts too: its marks wait for theirs.
        self.marks.is_some() || self.streamed.is_some()
    }

    /// Whether this job asked for a pause or seek, which replaces automatic marking.
    pub(crate) fn moves_partition(&self) -> bool {
        self.partition.has_request()
    }

    /// A context for a hook (`tick`, `eofed`) of this partition: no messages.
    pub(crate) fn for_hook(
        partition: Arc<dyn PartitionHandle>,
        producer: Producer,
        dead_letter: Option<Arc<dyn DeadLetterSink>>,
        monitor: Monitor,
    ) -> Self {
        Self::new(
            Messages::new(Vec::new()),
            partition,
            1,
            producer,
            dead_letter,
            monitor,
        )
    }

    fn owns(&self, message: &Message) -> bool {
        let owned =
            message.partition() == self.partition() && message.topic() == self.partition.topic();
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
