//! The messages of one partition, read from its own librdkafka queue.
//!
//! Each assigned partition's fetch queue is split from the consumer queue before librdkafka starts
//! fetching it, so a partition whose job is busy simply stops being read: librdkafka buffers up to
//! its prefetch limits and then stops fetching that partition, while the others flow on. No pause,
//! no re-fetch, and no in-process buffer to bound.

use std::ffi::CString;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, UNIX_EPOCH};

use rdkafka::consumer::{Consumer as _, ConsumerGroupMetadata};
use rdkafka::error::{KafkaError, KafkaResult};
use rdkafka::{Offset, TopicPartitionList};
use tokio::time::{timeout, timeout_at, Instant};

use super::native::{cached_high_watermark, position, NativeQueue};
use super::KafkaConsumer;
use crate::instrumentation::statistics::PartitionStatistics;
use crate::messages::{Message, Origin};
use crate::offsets::ReadPosition;
use crate::offsets::SeekTarget;
use crate::processing::{PartitionSource, Retry};
use crate::TopicPartition;

/// librdkafka signals a queue going from empty to non-empty; this bounds the wait should a
/// signal ever be missed, so a partition can never stall for good.
const WAKE_FALLBACK: Duration = Duration::from_secs(1);
/// How long a seek or a read of the committed metadata waits for the broker.
const BROKER_TIMEOUT: Duration = Duration::from_secs(10);

/// One partition's message queue and the offset operations on it.
pub(crate) struct PartitionStream {
    consumer: Arc<KafkaConsumer>,
    queue: NativeQueue,
    origin: Arc<Origin>,
    /// The topic as librdkafka's C API takes it.
    topic: CString,
    /// How far the queue was read, for [`PartitionStream::committable`].
    read: Mutex<ReadPosition>,
}

impl PartitionStream {
    /// Splits the partition's queue from the consumer queue. librdkafka keeps the split for the
    /// life of the consumer, so one stream serves every later assignment of the partition.
    pub(crate) fn split(consumer: &Arc<KafkaConsumer>, origin: Arc<Origin>) -> Option<Self> {
        let topic = CString::new(origin.topic.as_str()).ok()?;
        let queue = NativeQueue::split(consumer, &topic, origin.partition)?;
        Some(Self {
            consumer: Arc::clone(consumer),
            queue,
            origin,
            topic,
            read: Mutex::new(ReadPosition::default()),
        })
    }

    fn read(&self) -> MutexGuard<'_, ReadPosition> {
        // Plain data, replaced whole by every writer: consistent even if a holder panicked.
        self.read.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether `batch` ends at the partition's end as of the last fetch: waiting would only add
    /// latency.
    fn caught_up(&self, batch: &[Message]) -> bool {
        let Some(last) = batch.last() else {
            return false;
        };
        self.high_watermark()
            .is_some_and(|high| last.offset() + 1 >= high)
    }

    /// `offset + 1` of this partition, with `metadata`, as librdkafka's offset calls take it.
    fn offsets(&self, offset: i64, metadata: Option<&str>) -> KafkaResult<TopicPartitionList> {
        let mut list = TopicPartitionList::new();
        let mut element = list.add_partition(&self.origin.topic, self.origin.partition);
        element.set_offset(Offset::Offset(offset + 1))?;
        if let Some(metadata) = metadata {
            element.set_metadata(metadata);
        }
        Ok(list)
    }

    /// Drains what the queue holds into `batch`. With `idle`, a drain that finds no message
    /// (the consumer is caught up and about to wait) also reads librdkafka's position, which
    /// has moved past any transaction markers served meanwhile; that is the only time it can
    /// matter, and reading it on every drain would cost a lookup per batch on the hot path.
    fn take_available(&self, batch: &mut Vec<Message>, max_messages: usize, idle: bool) {
        let room = max_messages.saturating_sub(batch.len());
        if room == 0 {
            return;
        }
        let before = batch.len();
        let drained = self.queue.drain(room, &self.origin, batch);
        let last = batch[before..].last().map(Message::offset);
        let position = (idle && last.is_none())
            .then(|| position(&self.consumer, &self.topic, self.origin.partition))
            .flatten();
        let mut read = self.read();
        read.read(last, position);
        if let Some(end) = drained.end {
            read.reached_end(end);
        }
        drop(read);
        // A fetch error of this partition (e.g. its topic was deleted); librdkafka keeps
        // fetching, so report it and read on.
        for error in drained.errors {
            tracing::error!(
                topic = %self.origin.topic,
                partition = self.origin.partition,
                error = %error.0,
                "fetching the partition failed"
            );
        }
    }
}

impl PartitionSource for PartitionStream {
    type Error = KafkaError;

    fn origin(&self) -> &Arc<Origin> {
        &self.origin
    }

    /// The next batch: up to `max_messages`, gathered for at most `max_wait` from now (Karafka's
    /// poll budget). Whatever arrived by then is returned; when nothing did, the first message to
    /// arrive later is returned at once, so an idle partition adds no batching delay. Once the
    /// batch reaches the end of what the broker holds, it is returned without waiting for more.
    /// Also returns how long it gathered after the first message: the wait for that one is idle
    /// time, not polling.
    async fn next_batch(
        &self,
        max_messages: usize,
        max_wait: Duration,
        report_end: bool,
    ) -> (Vec<Message>, Duration) {
        let deadline = Instant::now() + max_wait;
        let mut batch = Vec::with_capacity(max_messages.min(1024));
        while batch.is_empty() {
            self.take_available(&mut batch, max_messages, true);
            // librdkafka reports ends only under `enable.partition.eof`, which the runtime
            // turns on for subscription groups with an `eofed` route.
            if batch.is_empty() && report_end && self.read().take_end().is_some() {
                return (batch, Duration::ZERO);
            }
            if batch.is_empty() {
                let _ = timeout(WAKE_FALLBACK, self.queue.ready().notified()).await;
            }
        }
        let gathering = Instant::now();
        while batch.len() < max_messages && !self.caught_up(&batch) {
            let before = batch.len();
            self.take_available(&mut batch, max_messages, false);
            if batch.len() == before
                && timeout_at(deadline, self.queue.ready().notified())
                    .await
                    .is_err()
            {
                break;
            }
        }
        (batch, gathering.elapsed())
    }

    /// What librdkafka holds fetched for the partition now, up to `max_messages`.
    fn available(&self, max_messages: usize) -> Vec<Message> {
        let mut batch = Vec::with_capacity(max_messages.min(1024));
        self.take_available(&mut batch, max_messages, false);
        batch
    }

    /// The partition's end as of librdkafka's last fetch, if known.
    fn high_watermark(&self) -> Option<i64> {
        cached_high_watermark(&self.consumer, &self.topic, self.origin.partition)
    }

    /// The partition's figures in librdkafka's latest statistics.
    fn insights(&self) -> Option<PartitionStatistics> {
        self.consumer
            .context()
            .statistics()?
            .partition(&TopicPartition::new(
                self.origin.topic.as_str(),
                self.origin.partition,
            ))
            .cloned()
    }

    /// The offset to store once everything before `next_unmarked` was handled: past the records
    /// the consumer never sees (transaction markers) when they are all that follows the last
    /// record handed over, so a caught-up group's committed offset reaches the log end.
    fn committable(&self, next_unmarked: i64) -> i64 {
        self.read().committable(next_unmarked)
    }

    /// Stores `offset + 1` as the next offset to commit. librdkafka refuses it once the partition
    /// is no longer assigned.
    fn store(&self, offset: i64, metadata: Option<&str>) -> KafkaResult<()> {
        match metadata {
            // The common case: no list to build.
            None => self
                .consumer
                .store_offset(&self.origin.topic, self.origin.partition, offset),
            Some(metadata) => self
                .consumer
                .store_offsets(&self.offsets(offset, Some(metadata))?),
        }
    }

    /// Commits `offset + 1` and waits for the broker's answer. Blocks: call off the async
    /// threads.
    fn commit_sync(&self, offset: i64, metadata: Option<&str>) -> KafkaResult<()> {
        super::commit(&self.consumer, Some(&self.offsets(offset, metadata)?))
    }

    /// Asks the group coordinator for the partition's committed offset and its metadata.
    fn committed_metadata(&self) -> KafkaResult<Option<String>> {
        let mut list = TopicPartitionList::new();
        list.add_partition(&self.origin.topic, self.origin.partition);
        let committed = self.consumer.committed_offsets(list, BROKER_TIMEOUT)?;
        Ok(committed
            .find_partition(&self.origin.topic, self.origin.partition)
            .map(|element| element.metadata().to_owned())
            .filter(|metadata| !metadata.is_empty()))
    }

    /// Asks the group coordinator for the partition's committed offset.
    fn committed_offset(&self) -> KafkaResult<Option<i64>> {
        let mut list = TopicPartitionList::new();
        list.add_partition(&self.origin.topic, self.origin.partition);
        let committed = self.consumer.committed_offsets(list, BROKER_TIMEOUT)?;
        Ok(committed
            .find_partition(&self.origin.topic, self.origin.partition)
            .and_then(|element| match element.offset() {
                Offset::Offset(offset) => Some(offset),
                _ => None,
            }))
    }

    fn group_metadata(&self) -> Option<ConsumerGroupMetadata> {
        self.consumer.group_metadata()
    }

    /// Commits every offset stored on the consumer, in the runtime's one-at-a-time order, so
    /// it never overtakes a newer commit.
    fn commit_stored(&self) -> KafkaResult<()> {
        super::commit(&self.consumer, None)
    }

    /// Asks the broker where a time or an end of the partition is.
    fn resolve(&self, target: SeekTarget) -> KafkaResult<i64> {
        let (topic, partition) = (self.origin.topic.as_str(), self.origin.partition);
        match target {
            SeekTarget::Offset(offset) => Ok(offset),
            SeekTarget::Earliest => Ok(self
                .consumer
                .fetch_watermarks(topic, partition, BROKER_TIMEOUT)?
                .0),
            SeekTarget::Latest => Ok(self
                .consumer
                .fetch_watermarks(topic, partition, BROKER_TIMEOUT)?
                .1),
            SeekTarget::Time(time) => {
                let millis = time.duration_since(UNIX_EPOCH).map_or(0, |since| {
                    i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
                });
                let mut list = TopicPartitionList::new();
                list.add_partition_offset(topic, partition, Offset::Offset(millis))?;
                let found = self.consumer.offsets_for_times(list, BROKER_TIMEOUT)?;
                match found
                    .find_partition(topic, partition)
                    .map(|elem| elem.offset())
                {
                    Some(Offset::Offset(offset)) => Ok(offset),
                    // No message at or after the time: the end.
                    _ => Ok(self
                        .consumer
                        .fetch_watermarks(topic, partition, BROKER_TIMEOUT)?
                        .1),
                }
            }
        }
    }

    /// Moves the fetch position to `offset`; messages fetched before are discarded by librdkafka.
    fn seek(&self, offset: i64) -> KafkaResult<()> {
        self.read().reset();
        self.consumer.seek(
            &self.origin.topic,
            self.origin.partition,
            Offset::Offset(offset),
            Duration::ZERO,
        )
    }

    /// Not reading the partition's own queue is the pause: librdkafka stops fetching it once its
    /// prefetch limits are reached, and nothing is lost or fetched twice.
    fn pause(&self, _until: Instant, _retry: Option<&Retry>) {}

    fn resume(&self) {}
}
