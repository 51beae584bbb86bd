//! Filtering layers: drop messages, or pause the partition until later, decided per message.
//!
//! Dropped messages are marked like handled ones, so lag does not grow; pauses happen by pausing
//! the partition (never by sleeping in a job), so the job slot is free meanwhile.

mod layer;
mod verdict;

use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context as TaskContext, Poll};

use futures_util::future::BoxFuture;
use tower::Service;

pub use layer::FilterLayer;
pub use verdict::{DelayBy, ExpireIn, Filtering, Predicate, Throttle, Verdict};

use super::Shared;
use crate::{BoxError, Context};

/// A filter around one partition's consumer.
pub struct FilterService<S, F> {
    inner: Shared<S>,
    filtering: Arc<Mutex<F>>,
}

impl<S, F> FilterService<S, F>
where
    S: Service<Context, Response = (), Error = BoxError>,
{
    pub(crate) fn new(inner: Shared<S>, filtering: F) -> Self {
        Self {
            inner,
            filtering: Arc::new(Mutex::new(filtering)),
        }
    }
}

impl<S, F> Service<Context> for FilterService<S, F>
where
    S: Service<Context, Response = (), Error = BoxError> + Send + 'static,
    S::Future: Send,
    F: Filtering,
{
    type Response = ();
    type Error = BoxError;
    type Future = BoxFuture<'static, Result<(), BoxError>>;

    fn poll_ready(&mut self, _: &mut TaskContext<'_>) -> Poll<Result<(), BoxError>> {
        // The inner service is awaited for readiness inside each call.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, ctx: Context) -> Self::Future {
        let inner = self.inner.clone();
        let filtering = Arc::clone(&self.filtering);
        Box::pin(async move {
            let messages = ctx.messages().clone();
            let mut kept = Vec::new();
            let mut dropped = 0;
            let mut pause = None;
            let name = {
                // Deciding is quick and synchronous; the lock is not held across an await.
                let mut filtering = filtering.lock().unwrap_or_else(PoisonError::into_inner);
                let now = ctx.now();
                for message in messages.iter() {
                    match filtering.decide(message, now) {
                        Verdict::Keep => kept.push(message.offset()),
                        Verdict::Drop => dropped += 1,
                        Verdict::Pause(duration) => {
                            pause = Some((message.offset(), duration));
                            break;
                        }
                    }
                }
                filtering.name()
            };
            let considered = match pause {
                Some((offset, _)) => messages.select(|m| m.offset() < offset),
                None => messages.clone(),
            };
            let kept = messages.select(|m| kept.binary_search(&m.offset()).is_ok());
            if dropped > 0 {
                tracing::info!(
                    "Left out {dropped} {name} message(s) of {}/{}",
                    ctx.topic(),
                    ctx.partition()
                );
            }
            if !kept.is_empty() {
                inner.call(ctx.fork(kept.clone(), ctx.attempt())).await?;
            }
            // Dropped messages are marked once every kept one before them is.
            let all_kept_marked = kept
                .last_offset()
                .is_none_or(|last| ctx.next_unmarked().is_some_and(|next| next > last));
            if let Some(last) = considered
                .last()
                .filter(|_| all_kept_marked && !ctx.moves_partition())
            {
                ctx.mark_as_consumed(last);
            }
            if let Some((offset, duration)) = pause.filter(|_| !ctx.moves_partition()) {
                tracing::info!(
                    "Pausing {}/{} at offset {offset} for {} ms ({name})",
                    ctx.topic(),
                    ctx.partition(),
                    duration.as_millis()
                );
                ctx.pause(offset, duration);
            }
            Ok(())
        })
    }
}
