//! An inner service a layer calls several times within one job.

use std::sync::Arc;

use tokio::sync::Mutex;
use tower::{Service, ServiceExt};

use crate::{BoxError, Context};

/// The inner service of a layer that re-runs parts of a batch. Jobs of a partition run one at a
/// time, so the lock only orders calls within a job and is never contended.
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
        let mut inner = self.0.lock().await;
        inner.ready().await?.call(ctx).await
    }
}
