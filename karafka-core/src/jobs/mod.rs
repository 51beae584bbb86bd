//! Background jobs over Kafka (Karafka's ActiveJob integration, with Karafka Pro's ordered
//! jobs): a job is a serde struct implementing [`Job`]; routes name the topic each job type goes
//! to; [`Jobs::enqueue`] produces it as a JSON [`Envelope`]; the topic's built-in consumer
//! decodes each envelope, finds the type by its [`Job::name`], and runs [`Job::perform`], marking
//! each job once it succeeded (at-least-once, in order). A job enqueues further jobs through
//! [`JobContext::jobs`].
//!
//! A jobs topic is a topic like any other: retries with the route's backoff, its dead-letter
//! queue, virtual partitions, `long_running_job` and `max_messages` apply to it. A job that fails
//! is retried, then dead-lettered; a message that can never run (an unknown type, an envelope or
//! arguments that do not decode) is [`NotRetryable`](crate::middleware::NotRetryable): the
//! dead-letter queue takes it at once, the reason in its `original_error` header; without one the
//! partition stays at it and the error names the topic, partition and offset.
//!
//! ```no_run
//! use karafka::jobs::{Job, JobContext};
//! use karafka::{async_trait, routes, App, Config};
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Serialize, Deserialize)]
//! struct SendEmail {
//!     to: String,
//! }
//!
//! #[async_trait]
//! impl Job for SendEmail {
//!     // Jobs of one recipient run in the order they were enqueued.
//!     fn key(&self) -> Option<String> {
//!         Some(self.to.clone())
//!     }
//!
//!     async fn perform(&self, ctx: &mut JobContext<'_>) -> anyhow::Result<()> {
//!         tracing::info!(to = %self.to, id = ctx.id(), "sending");
//!         Ok(())
//!     }
//! }
//!
//! # async fn run() -> anyhow::Result<()> {
//! let app = App::builder()
//!     .config(Config::load()?)
//!     .routes(routes! { jobs "default" => [SendEmail] })
//!     .build()?;
//! app.jobs().enqueue(&SendEmail { to: "ada@example.com".into() }).await?;
//! # Ok(()) }
//! ```

mod consumer;
mod context;
mod enqueue;
mod envelope;
mod error;
mod id;
mod index;
mod job;
mod registry;

pub use context::JobContext;
pub use enqueue::{Enqueued, Jobs, ScheduledJob};
pub use envelope::{Envelope, EnvelopeError, ENVELOPE_VERSION};
pub use error::{EnqueueError, JobError};
pub use job::Job;

pub(crate) use consumer::JobConsumer;
pub(crate) use index::JobIndex;
pub(crate) use registry::JobRegistry;
