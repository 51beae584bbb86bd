//! Layers written as async closures around the rest of a topic's stack.

use std::future::Future;
use std::sync::Arc;

use tower::util::BoxService;
use tower::{service_fn, Layer};

use super::{ConsumerStack, Shared};
use crate::{BoxError, Context};

/// A layer made of an async closure: `layer_fn(|ctx, next| async move { next.run(ctx).await })`.
///
/// The closure gets each batch's [`Context`] and the rest of the stack as [`Next`]; what it
/// returns is the batch's outcome. A layer is the closure wherever a tower layer is accepted:
/// [`Topic::layer`](crate::routing::Topic::layer), or `layer:` in `routes!`. Write a
/// `tower::Layer` instead for a layer that needs `poll_ready` or per-partition state of its own.
///
/// ```
/// use std::time::Instant;
///
/// use karafka::middleware::layer_fn;
/// use karafka::routing::Topic;
///
/// let timing = layer_fn(|ctx, next| async move {
///     let (topic, size) = (ctx.topic().to_owned(), ctx.messages().len());
///     let started = Instant::now();
///     let result = next.run(ctx).await;
///     tracing::info!(topic, size, ok = result.is_ok(), elapsed = ?started.elapsed(), "batch");
///     result
/// });
/// let topic = Topic::new("events").layer(timing);
/// ```
pub fn layer_fn<F, Fut>(layer: F) -> FnLayer<F>
where
    F: Fn(Context, Next) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), BoxError>> + Send + 'static,
{
    FnLayer {
        layer: Arc::new(layer),
    }
}

/// The layer [`layer_fn`] makes of a closure.
pub struct FnLayer<F> {
    // Shared, not cloned: every partition's stack calls the one closure.
    layer: Arc<F>,
}

impl<F> Clone for FnLayer<F> {
    fn clone(&self) -> Self {
        Self {
            layer: Arc::clone(&self.layer),
        }
    }
}

impl<F, Fut> Layer<ConsumerStack> for FnLayer<F>
where
    F: Fn(Context, Next) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), BoxError>> + Send + 'static,
{
    type Service = ConsumerStack;

    fn layer(&self, inner: ConsumerStack) -> ConsumerStack {
        let layer = Arc::clone(&self.layer);
        let next = Next(Shared::new(inner));
        BoxService::new(service_fn(move |ctx| layer(ctx, next.clone())))
    }
}

/// The rest of a topic's stack below a [`layer_fn`] closure: the layers inside it, then the
/// consumer.
#[derive(Clone)]
pub struct Next(Shared<ConsumerStack>);

impl Next {
    /// Runs `ctx` through the rest of the stack and returns its outcome, e.g. the consumer's
    /// error. A closure may call it again (to retry), or not at all: the batch is then not
    /// consumed, and nothing of it is marked.
    ///
    /// # Errors
    /// What the layers below or the consumer returned.
    pub async fn run(&self, ctx: Context) -> Result<(), BoxError> {
        self.0.call(ctx).await
    }
}
