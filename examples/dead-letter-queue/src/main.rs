//! Dead-letter queue: an order that fails three retries goes to `orders_dlq` with headers saying
//! where it came from and why; an order that can never be valid is sent there at once, by hand.
//!
//! `cargo run -p example-dead-letter-queue -- topics migrate` creates both topics;
//! `... -- server` consumes.

use karafka::{async_trait, routes, App, Config, Consumer, Context};
use serde::Deserialize;

#[derive(Deserialize)]
struct Order {
    id: u64,
    amount_cents: i64,
}

#[derive(Default)]
struct OrdersConsumer;

#[async_trait]
impl Consumer for OrdersConsumer {
    async fn consume(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        for message in ctx.messages() {
            let order: Order = message.payload()?;
            if order.amount_cents < 0 {
                // Retrying cannot fix this one.
                ctx.dispatch_to_dlq(message).await?;
                continue;
            }
            tracing::info!(order = order.id, "charged {} cents", order.amount_cents);
            // Marking as we go lets a retry (and the dead-letter queue) start at the failing order.
            ctx.mark_as_consumed(message);
        }
        Ok(())
    }
}

fn app() -> anyhow::Result<App> {
    Ok(App::builder()
        .config(Config::load()?)
        .routes(routes! {
            topic "orders" {
                consumer: OrdersConsumer,
                dead_letter_queue: { topic: "orders_dlq", max_retries: 3, independent: true },
            }
            // Declared so `topics migrate` creates it; inactive, so nothing consumes it here and it
            // needs no consumer.
            topic "orders_dlq" { active: false }
        })
        .build()?)
}

fn main() -> std::process::ExitCode {
    karafka::run!(app)
}
