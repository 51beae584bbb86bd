//! OpenTelemetry against the real broker: one trace from the app code that produced a message,
//! through the consume jobs that failed on it, to its dead-letter dispatch; spans exported to the
//! SDK's in-memory exporter through karafka's own subscriber.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use karafka::admin::Admin;
use karafka::instrumentation::opentelemetry::{init_opentelemetry_with, Guard};
use karafka::middleware::DeadLetterQueue;
use karafka::routing::{Routes, Topic};
use karafka::{async_trait, Consumer, Context, Message, Record, Shutdown};
use karafka_integration_tests::*;
use opentelemetry::propagation::TextMapPropagator as _;
use opentelemetry::trace::{SpanContext, SpanKind, TraceContextExt as _};
use opentelemetry::Value;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider, SpanData};
use tracing::Instrument as _;

/// The spans of this process, exported as each ends. The subscriber is process-wide because jobs
/// run on the server's worker threads, so it is installed once, by the first test to ask.
fn exported() -> &'static InMemorySpanExporter {
    static EXPORT: OnceLock<(InMemorySpanExporter, Guard)> = OnceLock::new();
    &EXPORT
        .get_or_init(|| {
            // The log output has its own filter: silencing it leaves the export as it is.
            if std::env::var_os("RUST_LOG").is_none() {
                std::env::set_var("RUST_LOG", "off");
            }
            let exporter = InMemorySpanExporter::default();
            let provider = SdkTracerProvider::builder()
                .with_simple_exporter(exporter.clone())
                .build();
            let guard = init_opentelemetry_with(provider).expect("the process's only subscriber");
            (exporter, guard)
        })
        .0
}

/// Fails on every batch.
#[derive(Default)]
struct Refuses;

#[async_trait]
impl Consumer for Refuses {
    async fn consume(&mut self, _: &mut Context) -> anyhow::Result<()> {
        anyhow::bail!("refused")
    }
}

/// The first message of partition 0 of `dlq`, once there is one.
async fn first_dead_letter(admin: &Admin, dlq: &str) -> Message {
    let timeout = Duration::from_secs(60);
    let started = Instant::now();
    loop {
        let (_, end) = admin.watermarks(dlq, 0).await.expect("watermarks");
        if end > 0 {
            let letters = admin.read_topic(dlq, 0, 0, 1).await.expect("dead letters");
            return letters.into_iter().next().expect("the first dead letter");
        }
        assert!(
            started.elapsed() < timeout,
            "nothing reached {dlq} in {timeout:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn attribute<'a>(span: &'a SpanData, key: &str) -> Option<&'a Value> {
    span.attributes
        .iter()
        .find(|attribute| attribute.key.as_str() == key)
        .map(|attribute| &attribute.value)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_trace_runs_from_the_producer_through_the_consume_jobs_to_the_dead_letter_queue() {
    let exporter = exported();
    let (source, dlq, group) = (unique("otel"), unique("otel-dlq"), unique("otel-group"));
    create_topic(&source, 1).await;
    create_topic(&dlq, 1).await;

    let checkout = tracing::info_span!("checkout", topic = %source);
    checkout.in_scope(|| {
        // An app's own DEBUG span: not exported, unlike karafka's.
        let _detail = tracing::debug_span!("checkout.detail").entered();
    });
    producer()
        .produce_sync(Record::new(&source, "{}"))
        .instrument(checkout)
        .await
        .expect("produced");
    let server = RunningServer::start(
        config(&group),
        Routes::new().topic(
            Topic::new(&source)
                .consumer::<Refuses>()
                .dead_letter_queue(DeadLetterQueue::new(&dlq).max_retries(1)),
        ),
    );
    let admin = Admin::new(&config("otel-admin")).expect("admin");
    let letter = first_dead_letter(&admin, &dlq).await;
    assert!(matches!(server.stop().await, Shutdown::Graceful));

    let spans = exporter.get_finished_spans().expect("exported spans");
    let names: Vec<&str> = spans.iter().map(|span| span.name.as_ref()).collect();
    let checkout = spans
        .iter()
        .find(|span| {
            span.name == "checkout"
                && attribute(span, "topic").map(Value::as_str).as_deref() == Some(source.as_str())
        })
        .unwrap_or_else(|| panic!("the producing span was exported: {names:?}"));
    assert!(!names.contains(&"checkout.detail"), "{names:?}");
    let trace = checkout.span_context.trace_id();
    let in_trace: Vec<&SpanData> = spans
        .iter()
        .filter(|span| span.span_context.trace_id() == trace)
        .collect();
    let consumes: Vec<&SpanData> = in_trace
        .iter()
        .copied()
        .filter(|span| span.name == "karafka.consume")
        .collect();
    assert_eq!(
        consumes.len(),
        2,
        "the first attempt and its retry: {names:?}"
    );
    for consume in &consumes {
        assert_eq!(
            consume.parent_span_id,
            checkout.span_context.span_id(),
            "each attempt continues the producer's span: {consume:?}"
        );
        assert_eq!(consume.span_kind, SpanKind::Consumer);
        assert_eq!(
            attribute(consume, "topic").map(Value::as_str).as_deref(),
            Some(source.as_str())
        );
    }
    let dispatch = in_trace
        .iter()
        .find(|span| span.name == "karafka.dead_letter")
        .unwrap_or_else(|| panic!("the dispatch is in the trace: {names:?}"));
    assert!(
        consumes
            .iter()
            .any(|consume| consume.span_context.span_id() == dispatch.parent_span_id),
        "the dispatch runs in a consume span: {dispatch:?}"
    );

    let carried: SpanContext = TraceContextPropagator::new()
        .extract_with_context(&opentelemetry::Context::new(), letter.headers())
        .span()
        .span_context()
        .clone();
    assert_eq!(
        carried.trace_id(),
        trace,
        "the dead letter continues the trace"
    );
    assert_eq!(
        carried.span_id(),
        dispatch.span_context.span_id(),
        "as a child of the dispatch"
    );
}
