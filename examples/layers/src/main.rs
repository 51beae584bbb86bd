//! A tower layer of the app's own around every topic: it times each batch and logs the result.
//! Layers see the batch before the consumer and its outcome after; karafka's own features
//! (dead-letter queues, filters) are layers of the same kind.
//!
//! `cargo run -p example-layers -- server` consumes the `events` topic.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};
use std::time::Instant;

use karafka::{async_trait, routes, App, BoxError, Config, Consumer, Context};
use tower::{Layer, Service};

/// Times every batch.
#[derive(Clone, Copy, Default)]
struct Timing;

impl<S> Layer<S> for Timing {
    type Service = TimingService<S>;

    fn layer(&self, inner: S) -> TimingService<S> {
        TimingService { inner }
    }
}

/// The timing around one partition's consumer.
struct TimingService<S> {
    inner: S,
}

impl<S> Service<Context> for TimingService<S>
where
    S: Service<Context, Response = (), Error = BoxError>,
    S::Future: Send + 'static,
{
    type Response = ();
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<(), BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut TaskContext<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, ctx: Context) -> Self::Future {
        let batch = format!(
            "{} message(s) of {}/{}",
            ctx.messages().len(),
            ctx.topic(),
            ctx.partition()
        );
        let started = Instant::now();
        let handled = self.inner.call(ctx);
        Box::pin(async move {
            let result = handled.await;
            let outcome = if result.is_ok() { "handled" } else { "failed" };
            tracing::info!("{batch} {outcome} in {} us", started.elapsed().as_micros());
            result
        })
    }
}

#[derive(Default)]
struct EventsConsumer;

#[async_trait]
impl Consumer for EventsConsumer {
    async fn consume(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        for message in ctx.messages() {
            tracing::debug!(offset = message.offset(), "event");
        }
        Ok(())
    }
}

fn app() -> anyhow::Result<App> {
    Ok(App::builder()
        .config(Config::load()?)
        .routes(routes! {
            defaults { layer: Timing }
            topic "events" => EventsConsumer,
        })
        .build()?)
}

fn main() -> std::process::ExitCode {
    karafka::run!(app)
}
