//! Transactions: records produced together become visible to `read_committed` consumers
//! together or not at all, with the consumed offsets they carry.
//!
//! A producer is transactional when `producer.kafka."transactional.id"` is set. It then runs one
//! transaction at a time; a record produced outside [`Producer::transaction`] runs in a
//! transaction of its own, and one produced inside it (by any clone of the producer, in the
//! body's task) joins it.

mod error;
mod failure;
mod state;

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex, PoisonError};

use futures_util::FutureExt as _;
use rdkafka::consumer::ConsumerGroupMetadata;
use rdkafka::{Offset, TopicPartitionList};

pub use error::TransactionError;
pub(crate) use state::Transactional;

use super::backend::Backend;
use super::{DeliveryHandle, ProduceError, Producer, Record};
use crate::messages::Message;

tokio::task_local! {
    /// The transaction the current task's body runs in: records it produces join it.
    static OPEN: Arc<Open>;
}

/// An open transaction, handed to the body of [`Producer::transaction`] (and of
/// [`Context::transaction`](crate::Context::transaction)). Clones are the same transaction.
#[derive(Clone)]
pub struct Transaction {
    open: Arc<Open>,
}

impl std::fmt::Debug for Transaction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transaction").finish_non_exhaustive()
    }
}

struct Open {
    producer: Producer,
    /// The consumed partition whose offsets the transaction may carry.
    bound: Option<Bound>,
    /// The highest offset of `bound` marked in the transaction.
    marked: Mutex<Option<i64>>,
}

/// The partition a consumer's transaction marks messages of.
pub(crate) struct Bound {
    pub(crate) topic: String,
    pub(crate) partition: i32,
    /// The consumer group's metadata, with which the broker fences a zombie member.
    pub(crate) group: Option<Arc<ConsumerGroupMetadata>>,
    /// Marks are refused: the job is one virtual partition's.
    pub(crate) virtual_partitions: bool,
    /// Whether the partition was taken away meanwhile.
    pub(crate) revoked: Box<dyn Fn() -> bool + Send + Sync>,
}

/// How a transaction ended, for the callers inside the crate.
pub(crate) enum Outcome<T, E> {
    /// Committed; `marked` is the highest offset it committed for its partition, and
    /// `offsets_sent` whether Kafka holds it already (not so in memory).
    Committed {
        value: T,
        marked: Option<i64>,
        offsets_sent: bool,
    },
    /// Aborted (or never begun), with the body's error or the transaction's.
    Failed(E),
    /// The commit's outcome is unknown.
    Unknown {
        value: T,
        marked: Option<i64>,
        error: TransactionError,
    },
}

impl Transaction {
    /// Enqueues `record` in the transaction (through the producer's layers). The handle
    /// resolves once the broker stored it; it becomes visible to `read_committed` consumers
    /// only when the transaction commits.
    ///
    /// # Errors
    /// As [`Producer::produce_async`].
    pub async fn produce(&self, record: Record) -> Result<DeliveryHandle, ProduceError> {
        self.open.producer.enqueue(record).await
    }

    /// Marks `message` (and every earlier one of its partition) as consumed when the
    /// transaction commits: its offset is committed by the transaction, atomically with what the
    /// transaction produced. Only in [`Context::transaction`](crate::Context::transaction), for
    /// messages of its partition; `false` otherwise.
    pub fn mark_as_consumed(&self, message: &Message) -> bool {
        let Some(bound) = &self.open.bound else {
            tracing::warn!(
                topic = message.topic(),
                offset = message.offset(),
                "a producer's transaction marks nothing; use `Context::transaction`"
            );
            return false;
        };
        if message.topic() != bound.topic || message.partition() != bound.partition {
            tracing::warn!(
                topic = message.topic(),
                partition = message.partition(),
                offset = message.offset(),
                "cannot mark a message of another partition in this transaction"
            );
            return false;
        }
        let mut marked = self
            .open
            .marked
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        *marked = Some(marked.map_or(message.offset(), |last| last.max(message.offset())));
        true
    }
}

impl Producer {
    /// Runs `body` in a transaction: commits when it returns `Ok`, aborts when it returns
    /// `Err` or panics (the panic then goes on). Transactions of one producer run one at a time.
    ///
    /// ```
    /// use karafka::producer::{Producer, Record};
    ///
    /// # async fn run(producer: Producer) -> anyhow::Result<()> {
    /// producer
    ///     .transaction(|tx| async move {
    ///         tx.produce(Record::new("orders", "created")).await?;
    ///         tx.produce(Record::new("invoices", "issued")).await?;
    ///         Ok::<_, anyhow::Error>(())
    ///     })
    ///     .await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// The body's error, after the abort; else [`TransactionError`] through `E: From`:
    /// `NotTransactional` without a `transactional.id`, `Aborted` when librdkafka aborted it,
    /// `Fatal` when the producer failed (it is rebuilt before the next transaction),
    /// `Indefinite` when the commit timed out (likewise), `Stuck` when librdkafka did not return
    /// from a call (likewise), `Nested` inside another transaction of this producer.
    pub async fn transaction<T, E, F, Fut>(&self, body: F) -> Result<T, E>
    where
        F: FnOnce(Transaction) -> Fut,
        Fut: Future<Output = Result<T, E>>,
        E: From<TransactionError>,
    {
        match self.run_transaction(None, body).await {
            Outcome::Committed { value, .. } => Ok(value),
            Outcome::Failed(error) => Err(error),
            Outcome::Unknown { error, .. } => Err(error.into()),
        }
    }

    /// Whether the producer has a `transactional.id` (and so produces only in transactions).
    pub fn is_transactional(&self) -> bool {
        matches!(self.inner, Backend::Transactional(_))
    }

    /// Replaces a transactional producer with a new one, which settles the outcome of its last
    /// transaction (see [`TransactionError::Indefinite`]).
    pub(crate) async fn settle(&self) -> Result<(), TransactionError> {
        match &self.inner {
            Backend::Transactional(state) => state.settle().await,
            Backend::Kafka(_) | Backend::Memory(_) => Ok(()),
        }
    }

    /// A transaction for the crate: `bound` lets it carry a consumed partition's offsets. In
    /// memory it runs the body and commits at once (what it produced is not rolled back on an
    /// abort).
    pub(crate) async fn run_transaction<T, E, F, Fut>(
        &self,
        bound: Option<Bound>,
        body: F,
    ) -> Outcome<T, E>
    where
        F: FnOnce(Transaction) -> Fut,
        Fut: Future<Output = Result<T, E>>,
        E: From<TransactionError>,
    {
        let state = match &self.inner {
            Backend::Transactional(state) => Some(Arc::clone(state)),
            Backend::Memory(_) => None,
            Backend::Kafka(_) => return Outcome::Failed(TransactionError::NotTransactional.into()),
        };
        // The open transaction holds the producer's turn until its body ends.
        if self.joins_open_transaction() {
            return Outcome::Failed(TransactionError::Nested.into());
        }
        let mut held = None;
        if let Some(state) = &state {
            match state.begin().await {
                Ok(begun) => held = Some(begun),
                Err(error) => return Outcome::Failed(error.into()),
            }
        }
        let open = Arc::new(Open {
            producer: self.clone(),
            bound,
            marked: Mutex::new(None),
        });
        let tx = Transaction {
            open: Arc::clone(&open),
        };
        let ran = AssertUnwindSafe(OPEN.scope(Arc::clone(&open), body(tx)))
            .catch_unwind()
            .await;
        let value = match ran {
            Ok(Ok(value)) => value,
            Ok(Err(error)) => {
                if let Some(held) = held {
                    held.abort().await;
                }
                return Outcome::Failed(error);
            }
            Err(panic) => {
                if let Some(held) = held {
                    held.abort().await;
                }
                std::panic::resume_unwind(panic)
            }
        };
        let marked = *open.marked.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(refused) = open.bound.as_ref().and_then(|bound| bound.refuses(marked)) {
            if let Some(held) = held {
                held.abort().await;
            }
            return Outcome::Failed(refused.into());
        }
        let Some(mut held) = held else {
            return Outcome::Committed {
                value,
                marked,
                offsets_sent: false,
            };
        };
        let mut offsets_sent = false;
        if let (Some(offset), Some(bound)) = (marked, &open.bound) {
            let Some(group) = bound.group.clone() else {
                held.abort().await;
                return Outcome::Failed(bound.revoked_error().into());
            };
            let mut offsets = TopicPartitionList::new();
            // `offset` is one of the partition's messages, so the next one to consume exists.
            if let Err(error) = offsets.add_partition_offset(
                &bound.topic,
                bound.partition,
                Offset::Offset(offset + 1),
            ) {
                held.abort().await;
                return Outcome::Failed(
                    TransactionError::Aborted {
                        operation: "send_offsets",
                        error,
                    }
                    .into(),
                );
            }
            if let Err(error) = held.send_offsets(offsets, group).await {
                return Outcome::Failed(error.into());
            }
            offsets_sent = true;
        }
        match held.commit().await {
            Ok(()) => Outcome::Committed {
                value,
                marked,
                offsets_sent,
            },
            Err(
                error @ (TransactionError::Indefinite { .. }
                | TransactionError::Stuck {
                    operation: "commit",
                    ..
                }),
            ) => Outcome::Unknown {
                value,
                marked,
                error,
            },
            Err(error) => Outcome::Failed(error.into()),
        }
    }

    /// Whether a record produced now by this producer joins the transaction the current task
    /// runs in.
    pub(crate) fn joins_open_transaction(&self) -> bool {
        let Backend::Transactional(state) = &self.inner else {
            return false;
        };
        OPEN.try_with(|open| match &open.producer.inner {
            Backend::Transactional(open_state) => Arc::ptr_eq(open_state, state),
            Backend::Kafka(_) | Backend::Memory(_) => false,
        })
        .unwrap_or(false)
    }
}

impl Bound {
    /// Why the transaction must not commit, if it must not.
    fn refuses(&self, marked: Option<i64>) -> Option<TransactionError> {
        if marked.is_some() && self.virtual_partitions {
            return Some(TransactionError::VirtualPartitions {
                topic: self.topic.clone(),
            });
        }
        (self.revoked)().then(|| self.revoked_error())
    }

    fn revoked_error(&self) -> TransactionError {
        TransactionError::Revoked {
            topic: self.topic.clone(),
            partition: self.partition,
        }
    }
}
