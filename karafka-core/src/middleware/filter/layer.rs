//! The layer that filters a topic's messages before its consumer sees them.

use tower::{Layer, Service};

use super::{FilterService, Filtering};
use crate::middleware::Shared;
use crate::{BoxError, Context};

/// Filters messages with a [`Filtering`] decider; routes add it with
/// [`Topic::filter`](crate::routing::Topic::filter), `expire_in`, `delay_by` and `throttle`.
#[derive(Clone)]
pub struct FilterLayer<F> {
    filtering: F,
}

impl<F> FilterLayer<F> {
    /// A layer deciding with `filtering` (each partition gets its own copy).
    pub fn new(filtering: F) -> Self {
        Self { filtering }
    }
}

impl<S, F> Layer<S> for FilterLayer<F>
where
    S: Service<Context, Response = (), Error = BoxError>,
    F: Filtering,
{
    type Service = FilterService<S, F>;

    fn layer(&self, inner: S) -> Self::Service {
        FilterService::new(Shared::new(inner), self.filtering.clone())
    }
}
