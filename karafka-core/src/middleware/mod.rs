//! The per-topic processing stack: tower layers around the consumer.
//!
//! Every topic's batches go through a [`ConsumerStack`]: at the bottom the topic's
//! [`Consumer`](crate::Consumer), around it the layers its route added with
//! [`Topic::layer`](crate::routing::Topic::layer), the last added outermost (as in axum). A layer
//! sees each [`Context`] before the consumer does and its result after. [`layer_fn`] makes a layer
//! of an async closure; any `tower::Layer` over [`ConsumerStack`] works too.

pub mod dead_letter_queue;
pub mod filter;
mod layer_fn;
mod shared;
mod stack;
pub mod virtual_partitions;

pub use dead_letter_queue::{
    DeadLetterQueue, DeadLetterQueueLayer, Decision, DispatchError, Fatal, NotRetryable,
};
pub use filter::{FilterLayer, Verdict};
pub use layer_fn::{layer_fn, FnLayer, Next};
pub(crate) use shared::Shared;
pub(crate) use stack::{SharedConsumer, TopicStack};
pub use virtual_partitions::{Deferred, Distribution, Keyless, VirtualPartitions};

use tower::util::BoxService;
use tower::{Layer, Service, ServiceExt};

use crate::{BoxError, Context};

/// A topic's processing stack, boxed so layers of any type compose.
pub type ConsumerStack = BoxService<Context, (), BoxError>;

/// Wraps a stack in one more layer.
pub(crate) type StackLayer = std::sync::Arc<dyn Fn(ConsumerStack) -> ConsumerStack + Send + Sync>;

pub(crate) fn stack_layer<L>(layer: L) -> StackLayer
where
    L: Layer<ConsumerStack> + Send + Sync + 'static,
    L::Service: Service<Context, Response = ()> + Send + 'static,
    <L::Service as Service<Context>>::Error: Into<BoxError>,
    <L::Service as Service<Context>>::Future: Send + 'static,
{
    std::sync::Arc::new(move |inner| BoxService::new(layer.layer(inner).map_err(Into::into)))
}
