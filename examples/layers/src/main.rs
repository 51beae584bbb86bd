//! A layer of the app's own around every topic: it times each batch and logs the result. Layers
//! see the batch before the consumer and its outcome after; karafka's own features (dead-letter
//! queues, filters) are layers of the same kind.
//!
//! `layer_fn` makes a layer of an async closure. A `tower::Layer` over
//! `karafka::middleware::ConsumerStack` plugs in the same way (`layer: MyLayer`), for a layer that
//! needs `poll_ready` or state of its own per partition.
//!
//! `cargo run -p example-layers -- server` consumes the `events` topic.

use std::time::Instant;

use karafka::middleware::layer_fn;
use karafka::{async_trait, routes, App, Config, Consumer, Context};

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
    let timing = layer_fn(|ctx, next| async move {
        let batch = format!(
            "{} message(s) of {}/{}",
            ctx.messages().len(),
            ctx.topic(),
            ctx.partition()
        );
        let started = Instant::now();
        let result = next.run(ctx).await;
        let outcome = if result.is_ok() { "handled" } else { "failed" };
        tracing::info!("{batch} {outcome} in {} us", started.elapsed().as_micros());
        result
    });
    Ok(App::builder()
        .config(Config::load()?)
        .routes(routes! {
            defaults { layer: timing }
            topic "events" => EventsConsumer,
        })
        .build()?)
}

fn main() -> std::process::ExitCode {
    karafka::run!(app)
}
