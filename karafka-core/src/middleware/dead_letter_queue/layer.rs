//! The layer that puts a dead-letter queue around a topic's consumer.

use std::sync::Arc;

use tower::{Layer, Service};

use super::{DeadLetterQueue, DeadLetterQueueService, Dispatcher};
use crate::middleware::Shared;
use crate::{BoxError, Context};

/// Adds a dead-letter queue to a topic's stack; routes add it from
/// [`Topic::dead_letter_queue`](crate::routing::Topic::dead_letter_queue).
#[derive(Clone)]
pub struct DeadLetterQueueLayer {
    settings: Arc<DeadLetterQueue>,
    dispatcher: Arc<Dispatcher>,
}

impl DeadLetterQueueLayer {
    pub(crate) fn new(settings: Arc<DeadLetterQueue>, dispatcher: Arc<Dispatcher>) -> Self {
        Self {
            settings,
            dispatcher,
        }
    }
}

impl<S> Layer<S> for DeadLetterQueueLayer
where
    S: Service<Context, Response = (), Error = BoxError>,
{
    type Service = DeadLetterQueueService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        DeadLetterQueueService::new(
            Shared::new(inner),
            Arc::clone(&self.settings),
            Arc::clone(&self.dispatcher),
        )
    }
}
