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
/// How long a call is waited for in all, past its own [`CALL_TIMEOUT`]. librdkafka's
/// `send_offsets_to_transaction` waits for its result without a bound of its own, and after a
/// broker restart that outlasted `transaction.timeout.ms` it was seen never to return.
const STUCK_AFTER: Duration = Duration::from_secs(40);

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
            Ok(Ok(())) => Ok(held),
            Ok(Err(error)) => Err(held.failed("begin", error).await),
            Err(stuck) => Err(held.stuck("begin", stuck)),
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
                .map_err(|stuck| self.stuck("init", stuck))?
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
            Ok(Ok(())) => Ok(()),
            Ok(Err(error)) => Err(self.failed("send_offsets", error).await),
            // The rebuild fences the stuck producer, which aborts its transaction.
            Err(stuck) => Err(self.stuck("send_offsets", stuck)),
        }
    }

    /// Commits, retrying a commit that timed out until [`COMMIT_PATIENCE`]; then its outcome is
    /// unknown and the producer is rebuilt before the next transaction.
    pub(crate) async fn commit(mut self) -> Result<(), TransactionError> {
        let started = Instant::now();
        loop {
            let producer = self.state.current();
            let error = match blocking(move || producer.commit_transaction(CALL_TIMEOUT)).await {
                Ok(Ok(())) => return Ok(()),
                Ok(Err(error)) => error,
                // Committed or not: the rebuild settles it, as after a commit that timed out.
                Err(stuck) => return Err(self.stuck("commit", stuck)),
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
        let error = match blocking(move || producer.abort_transaction(CALL_TIMEOUT)).await {
            Ok(Ok(())) => return,
            Ok(Err(error)) => error.to_string(),
            Err(stuck) => stuck.to_string(),
        };
        tracing::warn!(
            transactional_id = %self.state.transactional_id,
            %error,
            "aborting the transaction failed; the producer is rebuilt before the next one"
        );
        self.turn.rebuild = true;
    }

    /// A call of `operation` that did not return: the producer is left to its thread and
    /// replaced before the next transaction (the new one fences it).
    fn stuck(&mut self, operation: &'static str, stuck: Stuck) -> TransactionError {
        tracing::error!(
            transactional_id = %self.state.transactional_id,
            operation,
            "{stuck}; the producer is abandoned and rebuilt before the next transaction"
        );
        self.turn.rebuild = true;
        TransactionError::Stuck {
            operation,
            waited_ms: stuck.waited.as_millis() as u64,
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

/// A librdkafka call that had not returned after [`STUCK_AFTER`].
#[derive(Debug, Clone, Copy)]
struct Stuck {
    waited: Duration,
}

impl std::fmt::Display for Stuck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "librdkafka did not return within {} ms",
            self.waited.as_millis()
        )
    }
}

/// Runs a blocking librdkafka call off the async threads, waiting for it at most
/// [`STUCK_AFTER`] (its thread then goes on alone).
async fn blocking<T: Send + 'static>(
    call: impl FnOnce() -> KafkaResult<T> + Send + 'static,
) -> Result<KafkaResult<T>, Stuck> {
    blocking_within(STUCK_AFTER, call).await
}

/// [`blocking`] with another bound, for the tests.
async fn blocking_within<T: Send + 'static>(
    limit: Duration,
    call: impl FnOnce() -> KafkaResult<T> + Send + 'static,
) -> Result<KafkaResult<T>, Stuck> {
    match tokio::time::timeout(limit, tokio::task::spawn_blocking(call)).await {
        Ok(joined) => Ok(joined.unwrap_or(Err(KafkaError::Canceled))),
        Err(_) => Err(Stuck { waited: limit }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_call_that_does_not_return_in_time_is_stuck() {
        let outcome = blocking_within(Duration::from_millis(20), || {
            std::thread::sleep(Duration::from_millis(300));
            Ok(())
        })
        .await;
        let stuck = outcome.expect_err("the call outlived its limit");
        assert_eq!(stuck.waited, Duration::from_millis(20));
        assert!(stuck.to_string().contains("did not return within 20 ms"));
    }

    #[tokio::test]
    async fn a_call_that_returns_passes_its_result_on() {
        let returned = blocking(|| Err::<(), _>(KafkaError::Canceled)).await;
        assert!(matches!(returned, Ok(Err(KafkaError::Canceled))));
        assert!(matches!(blocking(|| Ok(7)).await, Ok(Ok(7))));
    }
}
