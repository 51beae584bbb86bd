//! The producer's middleware stack: tower layers around the enqueueing of each record.
//!
//! Without layers a producer enqueues straight into its backend. With layers, each record goes
//! through them, the last added outermost (as a topic's consumer layers), and at the bottom
//! [`Enqueue`] hands it to the backend. The stack is built once, when a layer is added; each
//! record runs through a clone of it, so producing from many tasks takes no lock.

mod enqueue;

use std::sync::Arc;

use tower::util::BoxCloneSyncService;
use tower::{Layer, Service, ServiceExt};

use super::backend::Backend;
use super::{DeliveryHandle, ProduceError, Record};
use crate::BoxError;
use enqueue::Enqueue;

/// What a producer layer wraps: the layers inside it, then the enqueueing into the backend.
/// Its errors are boxed so layers of any error type compose; a [`ProduceError`] of the layers
/// below stays one when it reaches the caller.
pub type ProducerStack = BoxCloneSyncService<Record, DeliveryHandle, BoxError>;

/// A tower [`Layer`] over [`ProducerStack`] that a producer accepts:
/// [`Producer::layer`](super::Producer::layer), [`AppBuilder::producer_layer`](crate::AppBuilder::producer_layer).
///
/// Implemented for every layer whose service takes [`Record`]s, answers [`DeliveryHandle`]s and
/// is `Clone + Send + Sync` (each record runs through a clone of the stack); it is not meant to
/// be implemented by hand. An error the layer returns reaches the caller as
/// [`ProduceError::Rejected`], naming the record's topic. [`map_record`](super::map_record)
/// makes a layer of a closure; tower's `MapRequestLayer` works too.
pub trait ProducerLayer: Send + Sync + 'static {
    /// Wraps `stack` in this layer.
    fn wrap(&self, stack: ProducerStack) -> ProducerStack;
}

impl<L> ProducerLayer for L
where
    L: Layer<ProducerStack> + Send + Sync + 'static,
    L::Service: Service<Record, Response = DeliveryHandle> + Clone + Send + Sync + 'static,
    <L::Service as Service<Record>>::Error: Into<BoxError>,
    <L::Service as Service<Record>>::Future: Send + 'static,
{
    fn wrap(&self, stack: ProducerStack) -> ProducerStack {
        BoxCloneSyncService::new(self.layer(stack).map_err(Into::into))
    }
}

/// A producer's layers, in the order they were added, and the stack they make over its backend.
pub(crate) struct Layered {
    layers: Vec<Arc<dyn ProducerLayer>>,
    stack: ProducerStack,
}

impl Layered {
    /// The stack of `layers` (the last outermost) over `backend`.
    pub(crate) fn new(backend: &Backend, layers: Vec<Arc<dyn ProducerLayer>>) -> Self {
        let bottom = ProducerStack::new(Enqueue::new(backend.clone()));
        let stack = layers.iter().fold(bottom, |stack, layer| layer.wrap(stack));
        Self { layers, stack }
    }

    /// The same layers over `backend`.
    pub(crate) fn rebuilt(&self, backend: &Backend) -> Self {
        Self::new(backend, self.layers.clone())
    }

    /// These layers and `layer` outermost.
    pub(crate) fn with(&self, backend: &Backend, layer: Arc<dyn ProducerLayer>) -> Self {
        let mut layers = self.layers.clone();
        layers.push(layer);
        Self::new(backend, layers)
    }

    /// Runs `record` through the stack.
    pub(crate) async fn enqueue(&self, record: Record) -> Result<DeliveryHandle, ProduceError> {
        // Kept for the error: a layer's own error does not know the record it refused.
        let topic = record.topic.clone();
        self.stack
            .clone()
            .oneshot(record)
            .await
            .map_err(|error| ProduceError::from_stack(topic, error))
    }
}
