//! The innermost service of every topic's stack: calls the consumer.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};

use futures_util::future::BoxFuture;
use futures_util::FutureExt;
use tower::Service;

use super::SharedConsumer;
use crate::consumer::{ConsumeError, Panicked};
use crate::{BoxError, Context};

/// Calls `consume`, turns a panic into an error, and on success marks the batch's last message
/// unless the route manages offsets itself or the consumer paused or sought its partition (then
/// the rest of the batch was not handled and must not be marked).
pub(crate) struct ConsumerService {
    consumer: SharedConsumer,
    mark_on_success: bool,
}

impl ConsumerService {
    pub(crate) fn new(consumer: SharedConsumer, manual_offset_management: bool) -> Self {
        Self {
            consumer,
            mark_on_success: !manual_offset_management,
        }
    }
}

impl Service<Context> for ConsumerService {
    type Response = ();
    type Error = BoxError;
    type Future = BoxFuture<'static, Result<(), BoxError>>;

    fn poll_ready(&mut self, _: &mut TaskContext<'_>) -> Poll<Result<(), BoxError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, mut ctx: Context) -> Self::Future {
        let consumer = Arc::clone(&self.consumer);
        let mark_on_success = self.mark_on_success;
        Box::pin(async move {
            let mut consumer = consumer.lock().await;
            match AssertUnwindSafe(consumer.consume(&mut ctx))
                .catch_unwind()
                .await
            {
                Ok(Ok(())) => {
                    if mark_on_success && !ctx.moves_partition() {
                        ctx.mark_batch();
                    }
                    Ok(())
                }
                Ok(Err(error)) => Err(ConsumeError::new(error).into()),
                Err(panic) => Err(Panicked::from_payload(panic.as_ref()).into()),
            }
        })
    }
}
