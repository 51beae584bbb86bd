//! A Kafka consumer framework on librdkafka, in the spirit of Ruby's Karafka.
//!
//! Write a [`Consumer`] per topic, map topics to consumers in [`routing::Routes`], build an
//! [`App`] and run its [`Server`]. The runtime polls Kafka, hands each partition's messages to its
//! consumer in batches and in order, runs up to `concurrency` batches at once, and stores an
//! offset only after its message was handled (at-least-once). A failing batch pauses only its
//! partition and is retried with backoff; nothing is skipped.
//!
//! ```no_run
//! use karafka::routing::{Routes, Topic};
//! use karafka::{async_trait, App, Config, Consumer, Context};
//!
//! #[derive(Default)]
//! struct ExampleConsumer;
//!
//! #[async_trait]
//! impl Consumer for ExampleConsumer {
//!     async fn consume(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
//!         for message in ctx.messages() {
//!             let payload: serde_json::Value = message.payload()?;
//!             tracing::info!(%payload, "consumed");
//!         }
//!         Ok(())
//!     }
//! }
//!
//! fn app() -> anyhow::Result<App> {
//!     Ok(App::builder()
//!         .config(Config::load()?)
//!         .routes(Routes::new().topic(Topic::new("example").consumer::<ExampleConsumer>()))
//!         .build()?)
//! }
//!
//! fn main() -> std::process::ExitCode {
//!     karafka::cli::run(app)
//! }
//! ```

// Lets the `routes!` expansion's `::karafka::...` paths resolve inside this crate's own tests.
extern crate self as karafka;

pub mod admin;
mod app;
pub mod cli;
pub mod config;
mod connection;
pub mod consumer;
mod error;
pub mod instrumentation;
pub mod messages;
pub mod middleware;
mod offsets;
mod processing;
pub mod producer;
pub mod routing;
pub mod server;
mod topic_partition;

pub use app::{App, AppBuilder};
pub use async_trait::async_trait;
pub use config::Config;
pub use consumer::{Consumer, Context};
pub use error::Error;
pub use karafka_macros::routes;
pub use messages::{Message, Messages};
pub use processing::RunningJob;
pub use producer::{Producer, Record};
pub use server::{Server, Shutdown};
pub use topic_partition::TopicPartition;

/// Runs the app's command line ([`cli::run_versioned`]) with `--version` showing the calling
/// crate's package name and version next to karafka's. Use it as an app's `main`:
///
/// ```no_run
/// # fn app() -> anyhow::Result<karafka::App> { unimplemented!() }
/// fn main() -> std::process::ExitCode {
///     karafka::run!(app)
/// }
/// ```
#[macro_export]
macro_rules! run {
    ($app:expr) => {
        $crate::cli::run_versioned(
            env!("CARGO_PKG_NAME"),
            Some(env!("CARGO_PKG_VERSION")),
            $app,
        )
    };
}

/// The error type of consumers and layers: any error that can cross threads.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;
