//! An inner service a layer calls several times within one job.

use std::sync::Arc;

use tokio::sync::Mutex;
use tower::{Service, ServiceExt};

use crate::{BoxError, Context};

/// The inner service of a layer that re-runs parts of a batch. The lock is held only while a call
/// starts, so the batches of a partition that run side by side (streaming virtual partitions)
/// overlap in the inner service as well.
pub(crate) struct Shared<S>(Arc<Mutex<S>>);

impl<S> Clone for Shared<S> {
    fn clone(&self) -> Self {
        Self(Arc::clone(&self.0))
    }
}

impl<S> Shared<S>
where
    S: Service<Context, Response = (), Error = BoxError>,
{
    pub(crate) fn new(inner: S) -> Self {
        Self(Arc::new(Mutex::new(inner)))
    }

    /// Waits for the inner service and runs `ctx` through it.
    pub(crate) async fn call(&self, ctx: Context) -> Result<(), BoxError> {
        let call = {
            let mut inner = self.0.lock().await;
            inner.ready().await?.call(ctx)
        };
        call.await
    }
}
