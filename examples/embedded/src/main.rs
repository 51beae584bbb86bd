//! Consumers inside an axum application: one process consumes a topic and serves HTTP.
//!
//! The consumers run on the application's own tokio runtime, started with
//! [`Server::start`](karafka::Server::start); the handlers command them through a
//! [`Control`](karafka::plugin::Control):
//!
//! - `GET /count`: how many messages were consumed, as a number;
//! - `GET /status`: the consumers' state (`running`, `quieting`, `quiet`, `stopping`), their
//!   groups and partitions, and the running jobs, as JSON;
//! - `POST /quiet`: quiet mode: running jobs finish and commit, no new batch starts, and the
//!   process stays in its consumer group until it is stopped (before a deploy, say).
//!
//! The application owns the process's signals: SIGINT or SIGTERM stops the HTTP server, then the
//! consumers (gracefully: jobs finish, offsets are committed, the group is left); the exit code
//! is the consumers' (0, or 2 when jobs outlived `shutdown_timeout`).
//!
//! Run it from this directory (the app reads `./karafka.toml`), against a broker on
//! `127.0.0.1:9092`:
//!
//! ```sh
//! cd examples/embedded
//! cargo run -p example-embedded                 # consumes `events`, serves 127.0.0.1:3000
//! curl 127.0.0.1:3000/count
//! curl 127.0.0.1:3000/status
//! curl -X POST 127.0.0.1:3000/quiet
//! ```
//!
//! `EMBEDDED_TOPIC` names another topic, `EMBEDDED_ADDRESS` another address; `KARAFKA_*`
//! variables override `karafka.toml`.

mod counter;
mod http;

use std::process::ExitCode;

use anyhow::Context as _;
use karafka::routing::{Routes, Topic};
use karafka::{App, Config};
use tokio::net::TcpListener;
use tokio::signal::unix::{signal, SignalKind};

use counter::Counter;

#[tokio::main]
async fn main() -> anyhow::Result<ExitCode> {
    karafka::instrumentation::init_logging("info");
    let topic = std::env::var("EMBEDDED_TOPIC").unwrap_or_else(|_| "events".to_owned());
    let address = std::env::var("EMBEDDED_ADDRESS").unwrap_or_else(|_| "127.0.0.1:3000".to_owned());
    let consumed = Counter::default();
    let app = App::builder()
        .config(Config::load()?)
        .routes(Routes::new().topic(Topic::new(topic).consumer_with(consumed.consumer())))
        .build()?;
    // Bound before the consumers start, so a taken port fails before anything is consumed.
    let listener = TcpListener::bind(&address)
        .await
        .with_context(|| format!("cannot listen on {address} (EMBEDDED_ADDRESS)"))?;

    let server = app.server().start().await?;
    tracing::info!("Serving HTTP on http://{}", listener.local_addr()?);
    let router = http::router(consumed, server.control().clone());
    let consumers = server.handle().clone();
    let mut terminate = signal(SignalKind::terminate())?;
    axum::serve(listener, router)
        .with_graceful_shutdown(async move {
            // The HTTP server ends on a signal, or when the consumers stop by themselves.
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = terminate.recv() => {}
                () = consumers.stopping() => {}
            }
        })
        .await?;
    let shutdown = server.stop().await?;
    Ok(ExitCode::from(shutdown.exit_code()))
}
