//! Observability: Prometheus metrics and health probes on `127.0.0.1:9394` (see `karafka.toml`),
//! a listener that reacts to the runtime's events, and a consumer that reads its partition's lag.
//!
//! `cargo run -p example-observability -- server`, run from `examples/observability`, then
//! `curl 127.0.0.1:9394/metrics`, `curl 127.0.0.1:9394/health/live`; import
//! `dashboards/grafana/karafka.json` into Grafana for the dashboard.

use std::sync::atomic::{AtomicU64, Ordering};

use karafka::instrumentation::{ErrorKind, Event, Listener};
use karafka::{async_trait, routes, App, Config, Consumer, Context};

#[derive(Default)]
struct EventsConsumer;

#[async_trait]
impl Consumer for EventsConsumer {
    async fn consume(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        // The partition's figures as of librdkafka's latest statistics.
        if let Some(lag) = ctx.insights().and_then(|figures| figures.consumer_lag) {
            if lag > 10_000 {
                tracing::warn!(lag, "{}/{} is far behind", ctx.topic(), ctx.partition());
            }
        }
        for message in ctx.messages() {
            tracing::debug!(offset = message.offset(), "handled");
        }
        Ok(())
    }
}

/// Pages on what no retry fixes: a message sent to the dead-letter queue, a refused commit.
#[derive(Default)]
struct Pager {
    dead_letters: AtomicU64,
}

impl Listener for Pager {
    fn on_event(&self, event: &Event) {
        // Listeners run on the runtime's threads: hand anything slow to a channel instead.
        match event {
            Event::DeadLetterDispatched { source, offset, .. } => {
                let total = self.dead_letters.fetch_add(1, Ordering::Relaxed) + 1;
                tracing::warn!(%source, offset, total, "page: a message went to the dead-letter queue");
            }
            Event::ErrorOccurred {
                kind: ErrorKind::Commit | ErrorKind::MaxPollIntervalExceeded,
                error,
                ..
            } => tracing::error!(%error, "page: offsets are not moving"),
            _ => {}
        }
    }
}

fn app() -> anyhow::Result<App> {
    Ok(App::builder()
        .config(Config::load()?)
        .routes(routes! {
            topic "events" {
                consumer: EventsConsumer,
                dead_letter_queue: { topic: "events_dlq", max_retries: 3 },
            }
            topic "events_dlq" { active: false }
        })
        .listener(Pager::default())
        .build()?)
}

fn main() -> std::process::ExitCode {
    karafka::run!(app)
}
