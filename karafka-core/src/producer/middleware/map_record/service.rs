//! The service of a [`MapRecordLayer`](super::MapRecordLayer).

use std::sync::Arc;
use std::task::{Context, Poll};

use futures_util::future::{ready, Either, ErrInto, Ready, TryFutureExt};
use tower::Service;

use crate::producer::Record;
use crate::BoxError;

/// Runs each record through a closure, then the inner stack; a refused record never reaches it.
pub struct MapRecord<S, F> {
    inner: S,
    map: Arc<F>,
}

impl<S, F> MapRecord<S, F> {
    pub(super) fn new(inner: S, map: Arc<F>) -> Self {
        Self { inner, map }
    }
}

impl<S: Clone, F> Clone for MapRecord<S, F> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            map: Arc::clone(&self.map),
        }
    }
}

impl<S, F> Service<Record> for MapRecord<S, F>
where
    S: Service<Record>,
    S::Error: Into<BoxError>,
    F: Fn(Record) -> Result<Record, BoxError>,
{
    type Response = S::Response;
    type Error = BoxError;
    type Future = Either<ErrInto<S::Future, BoxError>, Ready<Result<S::Response, BoxError>>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, record: Record) -> Self::Future {
        match (self.map)(record) {
            Ok(record) => Either::Left(self.inner.call(record).err_into()),
            Err(error) => Either::Right(ready(Err(error))),
        }
    }
}
