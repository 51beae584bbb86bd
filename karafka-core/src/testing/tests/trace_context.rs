//! With the `opentelemetry` feature: a consume job continues the trace its message was produced
//! in, and the dead letter carries it on.

use std::sync::{Arc, Mutex, PoisonError};

use async_trait::async_trait;
use opentelemetry::propagation::TextMapPropagator as _;
use opentelemetry::trace::{SpanContext, TraceContextExt as _, TracerProvider as _};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing::Instrument as _;
use tracing_opentelemetry::OpenTelemetrySpanExt as _;
use tracing_subscriber::layer::SubscriberExt as _;

use super::recorder::runtime;
use crate::middleware::DeadLetterQueue;
use crate::routing::Topic;
use crate::{Consumer, Context, Record};

/// Notes the trace context of the span it consumes in, then fails.
#[derive(Clone, Default)]
struct Witness(Arc<Mutex<Vec<SpanContext>>>);

#[async_trait]
impl Consumer for Witness {
    async fn consume(&mut self, _: &mut Context) -> anyhow::Result<()> {
        let current = tracing::Span::current().context();
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(current.span().span_context().clone());
        anyhow::bail!("refused")
    }
}

fn context_of(span: &tracing::Span) -> SpanContext {
    span.context().span().span_context().clone()
}

#[tokio::test(start_paused = true)]
async fn the_consume_job_and_the_dead_letter_continue_the_producers_trace() {
    let provider = SdkTracerProvider::builder().build();
    let layer = tracing_opentelemetry::layer().with_tracer(provider.tracer("test"));
    // The test runtime runs every job on this thread.
    let _subscriber = tracing::subscriber::set_default(tracing_subscriber::registry().with(layer));
    let witness = Witness::default();
    let consumer = witness.clone();
    let runtime = runtime(
        Topic::new("orders")
            .consumer_with(move || consumer.clone())
            .dead_letter_queue(DeadLetterQueue::new("orders_dlq").max_retries(0)),
    );

    let checkout = tracing::info_span!("checkout");
    let producer = context_of(&checkout);
    runtime
        .producer()
        .produce_sync(Record::new("orders", "{}").partition(0))
        .instrument(checkout)
        .await
        .expect("produced");
    runtime
        .consume("orders")
        .await
        .expect("the failure ends in a dispatch");

    let consumed = witness
        .0
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    assert_eq!(consumed.len(), 1, "{consumed:?}");
    assert_eq!(consumed[0].trace_id(), producer.trace_id(), "one trace");
    assert_ne!(
        consumed[0].span_id(),
        producer.span_id(),
        "in a span of its own"
    );
    let dead_letters = runtime.produced("orders_dlq");
    assert_eq!(dead_letters.len(), 1);
    let dispatch = TraceContextPropagator::new()
        .extract_with_context(&opentelemetry::Context::new(), dead_letters[0].headers())
        .span()
        .span_context()
        .clone();
    assert_eq!(dispatch.trace_id(), producer.trace_id(), "still one trace");
    assert_ne!(
        dispatch.span_id(),
        producer.span_id(),
        "the dispatch's context, not a copy of the message's"
    );
    assert_ne!(
        dispatch.span_id(),
        consumed[0].span_id(),
        "the dispatch's own span"
    );
}
