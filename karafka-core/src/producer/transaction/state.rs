//! The librdkafka side of a transactional producer: one transaction at a time, the blocking
//! calls, and the rebuild after a fatal or indefinite failure.

use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use rdkafka::config::ClientConfig;
use rdkafka::consumer::ConsumerGroupMetadata;
use rdkafka::error::{KafkaError, KafkaResult};
use rdkafka::producer::{FutureProducer, Producer as _};
use rdkafka::TopicPartitionList;
use tokio::sync::{Mutex, MutexGuard};

use super::failure::{Failure, Flags};
use super::TransactionError;
use crate::producer::ProducerContext;

/// How long one transaction call (init, begin, offsets, commit, abort) may block.
const CALL_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a commit that keeps timing out is retried before its outcome counts as unknown.
const COMMIT_PATIENCE: Duration = Duration::from_secs(60);

/// A producer with a `transactional.id`.
pub(crate) struct Transactional {
    config: ClientConfig,
    /// The callbacks of each librdkafka producer it creates.
    context: ProducerContext,
    transactional_id: String,
    /// The librdkafka producer records are enqueued into; replaced by a rebuild.
    current: RwLock<Arc<FutureProducer<ProducerContext>>>,
    /// Held for a whole transaction: librdkafka runs one at a time per producer.
    turn: Mutex<Turn>,
}

/// What the next transaction must do first.
#[derive(Debug, Default)]
struct Turn {
    /// `init_transactions` succeeded on the current producer.
    ready: bool,
    /// The current producer failed fatally or left a transaction's outcome unknown.
    rebuild: bool,
}

/// The producer's turn: held from `begin` to the end of the transaction.
pub(crate) struct Held<'a> {
    state: &'a Transactional,
    turn: MutexGuard<'a, Turn>,
}

impl Transactional {
    /// Creates the librdkafka producer; transactions are initialised by the first one.
    pub(crate) fn new(
        config: ClientConfig,
        transactional_id: String,
        context: ProducerContext,
    ) -> KafkaResult<Self> {
        let producer = config.create_with_context(context.clone())?;
        Ok(Self {
            config,
            context,
            transactional_id,
            current: RwLock::new(Arc::new(producer)),
            turn: Mutex::new(Turn::default()),
        })
    }

    /// The librdkafka producer records go to now.
    pub(crate) fn current(&self) -> Arc<FutureProducer<ProducerContext>> {
        // Only ever replaced whole: a panic elsewhere cannot leave it half-written.
        Arc::clone(&self.current.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// Waits for the producer's turn, readies it (a rebuild first if the last transaction asked
    /// for one) and begins a transaction.
    pub(crate) async fn begin(&self) -> Result<Held<'_>, TransactionError> {
        let mut held = Held {
            state: self,
            turn: self.turn.lock().await,
        };
        held.ready().await?;
        let producer = self.current();
        match blocking(move || producer.begin_transaction()).await {
            Ok(()) => Ok(held),
            Err(error) => Err(held.failed("begin", error).await),
        }
    }

    /// Replaces the producer with a new one and initialises it, which fences the old one and
    /// settles its last transaction (committed or aborted, not open any more).
    pub(crate) async fn settle(&self) -> Result<(), TransactionError> {
        let mut held = Held {
            state: self,
            turn: self.turn.lock().await,
        };
        held.turn.rebuild = true;
        held.ready().await
    }
}

impl Held<'_> {
    /// Rebuilds the producer when asked to, then initialises transactions once.
    async fn ready(&mut self) -> Result<(), TransactionError> {
        let state = self.state;
        let init_failed = |error| TransactionError::Init {
            transactional_id: state.transactional_id.clone(),
            error,
        };
        if self.turn.rebuild {
            let fresh = state
                .config
                .create_with_context(state.context.clone())
                .map_err(init_failed)?;
            *state
                .current
                .write()
                .unwrap_or_else(PoisonError::into_inner) = Arc::new(fresh);
            self.turn.rebuild = false;
            self.turn.ready = false;
            tracing::info!(
                transactional_id = %state.transactional_id,
                "transactional producer rebuilt after a fatal or indefinite failure"
            );
        }
        if !self.turn.ready {
            let producer = state.current();
            blocking(move || producer.init_transactions(CALL_TIMEOUT))
                .await
                .map_err(init_failed)?;
            self.turn.ready = true;
        }
        Ok(())
    }

    /// Adds `offsets` (the next offset to consume of each partition) of the consumer group
    /// `group` to the transaction.
    pub(crate) async fn send_offsets(
        &mut self,
        offsets: TopicPartitionList,
        group: Arc<ConsumerGroupMetadata>,
    ) -> Result<(), TransactionError> {
        let producer = self.state.current();
        let sent =
            blocking(move || producer.send_offsets_to_transaction(&offsets, &group, CALL_TIMEOUT))
                .await;
        match sent {
            Ok(()) => Ok(()),
            Err(error) => Err(self.failed("send_offsets", error).await),
        }
    }

    /// Commits, retrying a commit that timed out until [`COMMIT_PATIENCE`]; then its outcome is
    /// unknown and the producer is rebuilt before the next transaction.
    pub(crate) async fn commit(mut self) -> Result<(), TransactionError> {
        let started = Instant::now();
        loop {
            let producer = self.state.current();
            let Err(error) = blocking(move || producer.commit_transaction(CALL_TIMEOUT)).await
            else {
                return Ok(());
            };
            match Failure::classify(Flags::of(&error)) {
                Failure::Retriable if started.elapsed() < COMMIT_PATIENCE => {
                    tracing::warn!(%error, "transaction commit timed out; retrying it");
                }
                Failure::Retriable => {
                    self.turn.rebuild = true;
                    return Err(TransactionError::Indefinite {
                        operation: "commit",
                        error,
                    });
                }
                _ => return Err(self.failed("commit", error).await),
            }
        }
    }

    /// Aborts the transaction; when even that fails, the producer is rebuilt before the next.
    pub(crate) async fn abort(mut self) {
        self.abort_in_place().await;
    }

    async fn abort_in_place(&mut self) {
        let producer = self.state.current();
        if let Err(error) = blocking(move || producer.abort_transaction(CALL_TIMEOUT)).await {
            tracing::warn!(
                transactional_id = %self.state.transactional_id,
                %error,
                "aborting the transaction failed; the producer is rebuilt before the next one"
            );
            self.turn.rebuild = true;
        }
    }

    /// What a failed call of `operation` means: an abortable error aborts the transaction, a
    /// fatal one asks for a rebuild; either way the transaction is over.
    async fn failed(&mut self, operation: &'static str, error: KafkaError) -> TransactionError {
        match Failure::classify(Flags::of(&error)) {
            Failure::Fatal => {
                self.turn.rebuild = true;
                TransactionError::Fatal { operation, error }
            }
            Failure::Abortable | Failure::Retriable | Failure::Other => {
                // A `begin` that failed opened nothing; every other call leaves a transaction
                // that must end before the next.
                if operation != "begin" {
                    self.abort_in_place().await;
                }
                TransactionError::Aborted { operation, error }
            }
        }
    }
}

/// Runs a blocking librdkafka call off the async threads.
async fn blocking<T: Send + 'static>(
    call: impl FnOnce() -> KafkaResult<T> + Send + 'static,
) -> KafkaResult<T> {
    tokio::task::spawn_blocking(call)
        .await
        .unwrap_or(Err(KafkaError::Canceled))
}
