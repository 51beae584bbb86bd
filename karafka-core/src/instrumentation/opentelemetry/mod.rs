//! OpenTelemetry tracing, with the cargo feature `opentelemetry`: one trace from the code that
//! produced a message through its consume jobs to its dead-letter dispatch.
//!
//! - **Producing.** Every record the [`Producer`](crate::Producer) sends (also dead letters) gets
//!   the W3C trace context (`traceparent`, and `tracestate` when there is one) of the current
//!   `tracing` span as headers, unless it carries a valid one already.
//! - **Consuming.** Each consume job runs in a `karafka.consume` span (with or without this
//!   feature; its fields name the group, consumer, topic, partition, offsets, size and attempt).
//!   Here it continues the trace of the batch's first message, and links the other trace
//!   contexts of the batch. Under virtual partitions, each virtual partition's share runs in a
//!   `karafka.virtual_partition` span below it.
//! - **Dead letters.** A dispatch runs in a `karafka.dead_letter` span inside the consume span
//!   (or continuing its message's trace when that is another one), and the dead letter carries
//!   the dispatch's trace context instead of the copy of its message's.
//! - **Export.** [`init_opentelemetry`] installs karafka's logging subscriber with an OpenTelemetry
//!   layer beside it and exports over OTLP/HTTP; [`init_opentelemetry_with`] takes a tracer
//!   provider of the app's own. An app with a subscriber of its own adds a
//!   `tracing-opentelemetry` layer to it instead and lets it see karafka's spans (`karafka=debug`).
//!
//! The runtime's spans are at DEBUG, so log lines carry them only when asked to. Message
//! [`Headers`](crate::messages::Headers) implement OpenTelemetry's
//! [`Extractor`](opentelemetry::propagation::Extractor), for an app continuing a message's trace
//! by hand.

mod continuation;
mod error;
mod exporter;
mod propagation;
mod setup;

pub(crate) use continuation::continue_traces;
pub use error::SetupError;
pub(crate) use propagation::{inject_current, is_trace_header};
pub use setup::{init_opentelemetry, init_opentelemetry_with, Guard};
