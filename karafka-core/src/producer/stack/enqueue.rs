//! The bottom of a producer's stack: enqueueing into the backend.

use std::task::{Context, Poll};

use futures_util::future::BoxFuture;
use tower::Service;

use crate::producer::backend::Backend;
use crate::producer::{DeliveryHandle, Record};
use crate::BoxError;

/// Hands each record to the backend; always ready (a full local queue is waited on per record).
#[derive(Clone)]
pub(crate) struct Enqueue(Backend);

impl Enqueue {
    pub(crate) fn new(backend: Backend) -> Self {
        Self(backend)
    }
}

impl Service<Record> for Enqueue {
    type Response = DeliveryHandle;
    type Error = BoxError;
    type Future = BoxFuture<'static, Result<DeliveryHandle, BoxError>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, record: Record) -> Self::Future {
        let backend = self.0.clone();
        Box::pin(async move { Ok(backend.enqueue(record).await?) })
    }
}
