//! Producing a due message to its target and recording that it was (Karafka's dispatcher).

use crate::producer::envelope::{self, header};
use crate::producer::{Delivery, ProduceError, Producer, Record, ScheduleId, TransactionError};

use super::schedule::Pending;

/// The schedules partition a message was kept in.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Source<'a> {
    /// The schedules topic.
    pub(crate) topic: &'a str,
    /// Its partition, which the tombstone goes to.
    pub(crate) partition: i32,
}

/// Why a due message was not dispatched and tombstoned; it stays due.
#[derive(Debug, thiserror::Error)]
pub(crate) enum DispatchFailed {
    /// The dispatch or the tombstone was not acknowledged.
    #[error("dispatching a scheduled message failed: {0}")]
    Produce(#[from] ProduceError),
    /// The transaction of both did not commit.
    #[error("the transaction dispatching a scheduled message did not commit: {0}")]
    Transaction(#[from] TransactionError),
}

/// Dispatches `pending` (the message `id`) to its target and writes the tombstone of `id` to
/// the schedules partition; from the tombstone on, no rebuild of the schedule holds `id` again.
///
/// On a transactional producer (`producer.kafka."transactional.id"`) both are one transaction:
/// a crash commits both or neither, so the message is dispatched exactly once to `read_committed`
/// readers. Otherwise the dispatch is acknowledged before the tombstone is written, and a crash
/// between the two acknowledgements leaves the envelope without its tombstone: the next owner
/// of the partition dispatches the message again (at least once).
///
/// # Errors
/// [`DispatchFailed`]: nothing was committed (transactional), or the dispatch failed (nothing
/// written) or the tombstone did (dispatched, not yet recorded).
pub(crate) async fn dispatch_and_tombstone(
    producer: &Producer,
    source: Source<'_>,
    id: &ScheduleId,
    pending: &Pending,
) -> Result<Delivery, DispatchFailed> {
    let target = dispatched(source, id, pending);
    let tombstone = envelope::tombstone(
        source.topic,
        source.partition,
        id,
        pending.at_ms,
        pending.offset,
    );
    if !producer.is_transactional() {
        let delivery = producer.produce_sync(target).await?;
        producer.produce_sync(tombstone).await?;
        return Ok(delivery);
    }
    producer
        .transaction(|tx| async move {
            let delivery = tx.produce(target).await?;
            // Acknowledged with the commit, which the transaction waits for.
            drop(tx.produce(tombstone).await?);
            Ok(delivery.await?)
        })
        .await
}

/// The target record, with where it was scheduled from (Karafka's `schedule_source_*` headers).
fn dispatched(source: Source<'_>, id: &ScheduleId, pending: &Pending) -> Record {
    pending
        .target
        .clone()
        .header(header::SOURCE_TOPIC, source.topic)
        .header(header::SOURCE_PARTITION, source.partition.to_string())
        .header(header::SOURCE_OFFSET, pending.offset.to_string())
        .header(header::SOURCE_KEY, id.as_str())
}
