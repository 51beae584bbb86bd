//! Dead-letter queue: after `max_retries` failed retries of a message, send it to another topic,
//! mark it, and go on with the next one.
//!
//! Retries go through the partition's pause and backoff (the job returns its error), so a failing
//! partition holds no job slot while it waits. Once the retries are spent, the layer finds the
//! failing message (the first unmarked one; when the consumer did not mark as it went, by running
//! the unmarked messages one at a time), writes it to the dead-letter topic, marks it only after
//! the write was acknowledged, and continues with the rest of the batch. An error marked
//! [`NotRetryable`] ends the retries at its first attempt.

mod dispatcher;
mod error;
mod guard;
mod layer;
mod settings;

use std::error::Error;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context as TaskContext, Poll};

use futures_util::future::BoxFuture;
use tower::Service;

pub use dispatcher::headers;
pub(crate) use dispatcher::Dispatcher;
pub use error::{Fatal, NotRetryable};
pub use layer::DeadLetterQueueLayer;
pub use settings::{DeadLetterQueue, Decision};

use dispatcher::Dispatched;
use guard::DispatchGuard;

use super::virtual_partitions::Deferred;
use super::Shared;
use crate::consumer::find_cause;
pub use crate::consumer::DispatchError;
use crate::{BoxError, Context, Message, Messages};

/// What the layer remembers about its partition between jobs.
#[derive(Debug)]
struct PartitionState {
    /// The offset that failed last, and how often in a row (for independent counting).
    failing: Option<(i64, u32)>,
    guard: Option<DispatchGuard>,
    /// The consumer was seen marking messages before it failed: its first unmarked message is
    /// the one that failed.
    marks_as_it_goes: bool,
}

/// The dead-letter queue around one partition's consumer; see the module documentation.
pub struct DeadLetterQueueService<S> {
    inner: Shared<S>,
    settings: Arc<DeadLetterQueue>,
    dispatcher: Arc<Dispatcher>,
    state: Arc<Mutex<PartitionState>>,
}

impl<S> DeadLetterQueueService<S>
where
    S: Service<Context, Response = (), Error = BoxError>,
{
    pub(crate) fn new(
        inner: Shared<S>,
        settings: Arc<DeadLetterQueue>,
        dispatcher: Arc<Dispatcher>,
    ) -> Self {
        let guard = settings
            .guard
            .map(|(share, window)| DispatchGuard::new(share, window));
        Self {
            inner,
            settings,
            dispatcher,
            state: Arc::new(Mutex::new(PartitionState {
                failing: None,
                guard,
                marks_as_it_goes: false,
            })),
        }
    }
}

impl<S> Service<Context> for DeadLetterQueueService<S>
where
    S: Service<Context, Response = (), Error = BoxError> + Send + 'static,
    S::Future: Send,
{
    type Response = ();
    type Error = BoxError;
    type Future = BoxFuture<'static, Result<(), BoxError>>;

    fn poll_ready(&mut self, _: &mut TaskContext<'_>) -> Poll<Result<(), BoxError>> {
        // The inner service is awaited for readiness inside each call.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, ctx: Context) -> Self::Future {
        let job = Job {
            inner: self.inner.clone(),
            settings: Arc::clone(&self.settings),
            dispatcher: Arc::clone(&self.dispatcher),
            state: Arc::clone(&self.state),
        };
        Box::pin(job.run(ctx))
    }
}

/// The message a failed batch failed on.
struct Culprit {
    message: Message,
    error: BoxError,
    /// It was found by running the unmarked messages one at a time: one run more than the
    /// batch's attempts.
    ran_alone: bool,
}

/// One call of the layer: a batch, its failures and dispatches.
struct Job<S> {
    inner: Shared<S>,
    settings: Arc<DeadLetterQueue>,
    dispatcher: Arc<Dispatcher>,
    state: Arc<Mutex<PartitionState>>,
}

impl<S> Job<S>
where
    S: Service<Context, Response = (), Error = BoxError>,
{
    fn state(&self) -> MutexGuard<'_, PartitionState> {
        // Plain counters, consistent whenever the lock is released.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    async fn run(self, mut ctx: Context) -> Result<(), BoxError> {
        loop {
            let batch = ctx.messages().clone();
            let error = match self
                .call_inner(ctx.fork(batch.clone(), ctx.attempt()))
                .await
            {
                Ok(()) => {
                    self.handled(&batch);
                    return Ok(());
                }
                // Not run, so not a failure of its messages: the runtime runs them again.
                Err(error) if Deferred::caused(&error) => return Err(error),
                Err(error) => error,
            };
            let rest = match ctx.next_unmarked() {
                Some(next) => batch.from_offset(next),
                None => batch.clone(),
            };
            let Some(first) = rest.first() else {
                return Err(error);
            };
            let attempts = self.attempts(first.offset(), ctx.attempt());
            if self.decide(&error, attempts, first).is_none() {
                return Err(error);
            }
            let Some(Culprit {
                message: culprit,
                error,
                ran_alone,
            }) = self.pinpoint(&ctx, &rest, error, attempts).await
            else {
                return Ok(());
            };
            // `original_attempts` counts every run of the message that failed, the run alone
            // that found it included.
            let attempts = attempts + u32::from(ran_alone);
            let Some(decision) = self.decide(&error, attempts, &culprit) else {
                return Err(error);
            };
            self.dispatch(&ctx, &culprit, decision, attempts, &error)
                .await?;
            let remaining = batch.from_offset(culprit.offset() + 1);
            if remaining.is_empty() {
                return Ok(());
            }
            ctx = ctx.fork(remaining, 1);
        }
    }

    /// Runs `ctx` through the inner service, noting whether the consumer marks as it goes.
    async fn call_inner(&self, ctx: Context) -> Result<(), BoxError> {
        let marked = ctx.marked();
        let result = self.inner.call(ctx).await;
        // Marks made in a run that then failed come from the consumer itself.
        if result.is_err() && marked.load(Ordering::Relaxed) {
            self.state().marks_as_it_goes = true;
        }
        result
    }

    /// How many times in a row the message at `offset` failed: the partition's attempt, or with
    /// `independent` a count that restarts whenever a different message fails.
    fn attempts(&self, offset: i64, attempt: u32) -> u32 {
        let mut state = self.state();
        let count = match state.failing {
            Some((failing, count)) if failing == offset => count + 1,
            _ => 1,
        };
        state.failing = Some((offset, count));
        if self.settings.independent {
            count
        } else {
            attempt
        }
    }

    /// What ends the retries of `message` after `error` and `attempts`; `None` to retry. Fatal
    /// errors are always retried; errors marked [`NotRetryable`] never are.
    fn decide(&self, error: &BoxError, attempts: u32, message: &Message) -> Option<Decision> {
        let error: &(dyn Error + 'static) = error.as_ref();
        if find_cause::<Fatal>(error).is_some() {
            tracing::error!(
                "Fatal error on {}/{} at offset {}; not dispatching it, the partition stays paused: {error}",
                message.topic(),
                message.partition(),
                message.offset()
            );
            return None;
        }
        if find_cause::<NotRetryable>(error).is_some() {
            return Some(match self.settings.topic {
                Some(_) => Decision::Dispatch,
                None => Decision::Skip,
            });
        }
        Some(self.settings.decide(error, attempts)).filter(|decision| *decision != Decision::Retry)
    }

    /// The message that fails: the first unmarked one when it is alone or the consumer marks as it
    /// goes, else the first that fails when the unmarked messages run one at a time. `None` when
    /// they all succeed that way.
    async fn pinpoint(
        &self,
        ctx: &Context,
        rest: &Messages,
        error: BoxError,
        attempts: u32,
    ) -> Option<Culprit> {
        if rest.len() == 1 || self.state().marks_as_it_goes {
            return rest.first().cloned().map(|message| Culprit {
                message,
                error,
                ran_alone: false,
            });
        }
        for message in rest.iter() {
            let offset = message.offset();
            let single = rest.select(|m| m.offset() == offset);
            match self.call_inner(ctx.fork(single.clone(), attempts)).await {
                Ok(()) => self.handled(&single),
                Err(error) => {
                    return Some(Culprit {
                        message: message.clone(),
                        error,
                        ran_alone: true,
                    })
                }
            }
        }
        None
    }

    /// Sends `message` to the dead-letter topic (or skips it, as `decision` says), marks it, and
    /// restarts the partition's attempt count.
    async fn dispatch(
        &self,
        ctx: &Context,
        message: &Message,
        decision: Decision,
        attempts: u32,
        error: &BoxError,
    ) -> Result<(), BoxError> {
        let refused = self
            .state()
            .guard
            .as_ref()
            .filter(|guard| !guard.allows_dispatch())
            .map(|guard| DispatchError::GuardTripped {
                topic: message.topic().to_owned(),
                partition: message.partition(),
                offset: message.offset(),
                dispatched: guard.recent_dispatches(),
                window: guard.window(),
            });
        if let Some(refused) = refused {
            tracing::error!("{refused}");
            return Err(refused.into());
        }
        let dispatched = match decision {
            Decision::Skip => Dispatched::Skipped,
            // A transactional producer writes the dead letter and commits the message's offset
            // in one transaction (not under virtual partitions, whose marks only the whole job
            // may commit): a crash can then neither lose it nor write it twice.
            Decision::Dispatch | Decision::Retry
                if ctx.producer().is_transactional() && !ctx.in_virtual_partition() =>
            {
                let reason = error.to_string();
                ctx.transaction(|tx| async move {
                    let dispatched = self
                        .dispatcher
                        .dispatch(ctx.producer(), message, attempts, &reason)
                        .await?;
                    tx.mark_as_consumed(message);
                    Ok::<_, BoxError>(dispatched)
                })
                .await?
            }
            Decision::Dispatch | Decision::Retry => {
                self.dispatcher
                    .dispatch(ctx.producer(), message, attempts, &error.to_string())
                    .await?
            }
        };
        if !ctx.mark_as_consumed(message) {
            return Err(DispatchError::Revoked {
                topic: message.topic().to_owned(),
                partition: message.partition(),
                offset: message.offset(),
            }
            .into());
        }
        let (topic, partition, offset) = (message.topic(), message.partition(), message.offset());
        match dispatched {
            Dispatched::Sent(delivery) => {
                ctx.dispatched(message, &delivery, attempts, &error.to_string());
                tracing::warn!(
                    "Dispatched {topic}/{partition} at offset {offset} to the dead-letter queue after {attempts} attempt(s): {error}"
                );
            }
            Dispatched::Skipped => tracing::warn!(
                "Skipped {topic}/{partition} at offset {offset} after {attempts} attempt(s): {error}"
            ),
        }
        let mut state = self.state();
        state.failing = None;
        if let Some(guard) = state.guard.as_mut() {
            guard.record_dispatched();
        }
        drop(state);
        ctx.restart_attempts();
        Ok(())
    }

    fn handled(&self, messages: &Messages) {
        let mut state = self.state();
        state.failing = None;
        if let Some(guard) = state.guard.as_mut() {
            guard.record_handled(messages.len());
        }
    }
}
