//! W3C trace context in Kafka record headers: the producer writes it, consumers read it. The
//! header format is the OpenTelemetry SDK's [`TraceContextPropagator`]'s business, not ours.

use opentelemetry::propagation::{Extractor, Injector, TextMapPropagator as _};
use opentelemetry::trace::{SpanContext, TraceContextExt as _};
use opentelemetry::Context;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use tracing_opentelemetry::OpenTelemetrySpanExt as _;

use crate::messages::Headers;

/// A record's headers as the producer holds them.
type RecordHeaders = Vec<(String, Option<Vec<u8>>)>;

/// A consumed message's headers, read by OpenTelemetry propagators: the value of a key is that
/// of its last header (as [`Headers::get`] reads it), as text.
///
/// ```
/// use karafka::Message;
/// use opentelemetry::propagation::TextMapPropagator as _;
/// use opentelemetry_sdk::propagation::TraceContextPropagator;
///
/// fn producer_context(message: &Message) -> opentelemetry::Context {
///     TraceContextPropagator::new().extract(message.headers())
/// }
/// ```
impl Extractor for Headers {
    fn get(&self, key: &str) -> Option<&str> {
        self.get_str(key)
    }

    fn keys(&self) -> Vec<&str> {
        self.iter().map(|header| header.key.as_str()).collect()
    }
}

/// The headers of a record being produced, as a propagator reads and writes them.
struct Outgoing<'a>(&'a mut RecordHeaders);

impl Extractor for Outgoing<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        // The last header of a key wins, as consumers read it.
        self.0
            .iter()
            .rev()
            .find(|(name, _)| name == key)
            .and_then(|(_, value)| value.as_deref())
            .and_then(|value| std::str::from_utf8(value).ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.iter().map(|(name, _)| name.as_str()).collect()
    }
}

impl Injector for Outgoing<'_> {
    fn set(&mut self, key: &str, value: String) {
        // Replaced, never repeated: readers of Kafka headers disagree on which of two wins.
        self.0.retain(|(name, _)| name != key);
        // The propagator writes `tracestate` even when there is none; an empty one says nothing.
        if !value.is_empty() {
            self.0.push((key.to_owned(), Some(value.into_bytes())));
        }
    }
}

/// Writes the trace context of the current `tracing` span into `headers`, unless they carry a
/// valid one already (a record forwarded on purpose keeps its own) or there is no span with a
/// valid context (no OpenTelemetry layer, or no span at all).
pub(crate) fn inject_current(headers: &mut RecordHeaders) {
    let span = tracing::Span::current();
    if span.is_none() {
        return;
    }
    let propagator = TraceContextPropagator::new();
    let mut outgoing = Outgoing(headers);
    if is_valid(&carried(&outgoing)) {
        return;
    }
    let current = span.context();
    if is_valid(&current) {
        propagator.inject_context(&current, &mut outgoing);
    }
}

/// The span context a message was produced in, when its headers carry a valid one.
pub(crate) fn remote_context(headers: &Headers) -> Option<SpanContext> {
    let context = carried(headers);
    let span_context = context.span().span_context().clone();
    span_context.is_valid().then_some(span_context)
}

/// Whether `key` names a header of the trace context (`traceparent`, `tracestate`).
pub(crate) fn is_trace_header(key: &str) -> bool {
    TraceContextPropagator::new()
        .fields()
        .any(|field| field == key)
}

/// The trace context `headers` carry. Not `extract`, which falls back on the current context
/// (the span entered, under `tracing-opentelemetry`) when they carry none.
fn carried(headers: &dyn Extractor) -> Context {
    TraceContextPropagator::new().extract_with_context(&Context::new(), headers)
}

fn is_valid(context: &Context) -> bool {
    context.span().span_context().is_valid()
}

#[cfg(test)]
mod tests {
    use opentelemetry::trace::{TraceId, TracerProvider as _};
    use opentelemetry_sdk::trace::SdkTracerProvider;
    use tracing_subscriber::layer::SubscriberExt as _;

    use super::*;
    use crate::messages::Header;

    /// The example of the W3C Trace Context specification.
    const FORWARDED: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    /// Runs `test` with a subscriber that gives spans OpenTelemetry contexts.
    fn traced<T>(test: impl FnOnce() -> T) -> T {
        let provider = SdkTracerProvider::builder().build();
        let layer = tracing_opentelemetry::layer().with_tracer(provider.tracer("test"));
        tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), test)
    }

    fn consumed(headers: &RecordHeaders) -> Headers {
        headers
            .iter()
            .map(|(key, value)| Header {
                key: key.clone(),
                value: value.clone(),
            })
            .collect()
    }

    #[test]
    fn a_record_produced_in_a_span_carries_its_context_to_the_consumer() {
        let (expected, headers) = traced(|| {
            let span = tracing::info_span!("checkout");
            let _entered = span.enter();
            let mut headers = vec![("source".to_owned(), Some(b"app".to_vec()))];
            inject_current(&mut headers);
            (span.context().span().span_context().clone(), headers)
        });
        assert!(expected.is_valid());
        let keys: Vec<&str> = headers.iter().map(|(key, _)| key.as_str()).collect();
        assert_eq!(
            keys,
            ["source", "traceparent"],
            "no empty tracestate is written"
        );
        let received = remote_context(&consumed(&headers)).expect("a valid context");
        assert_eq!(received.trace_id(), expected.trace_id());
        assert_eq!(received.span_id(), expected.span_id());
        assert!(received.is_remote());
    }

    #[test]
    fn a_record_carrying_a_trace_context_keeps_it() {
        let mut headers = vec![(
            "traceparent".to_owned(),
            Some(FORWARDED.as_bytes().to_vec()),
        )];
        traced(|| {
            let span = tracing::info_span!("forwarding");
            let _entered = span.enter();
            inject_current(&mut headers);
        });
        assert_eq!(
            headers,
            [(
                "traceparent".to_owned(),
                Some(FORWARDED.as_bytes().to_vec())
            )]
        );
        let kept = remote_context(&consumed(&headers)).expect("a valid context");
        assert_eq!(
            kept.trace_id(),
            TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736").expect("hex")
        );
    }

    #[test]
    fn an_invalid_trace_context_is_replaced_not_repeated() {
        let mut headers = vec![("traceparent".to_owned(), Some(b"garbage".to_vec()))];
        traced(|| {
            let span = tracing::info_span!("checkout");
            let _entered = span.enter();
            inject_current(&mut headers);
        });
        assert_eq!(headers.len(), 1, "{headers:?}");
        assert!(remote_context(&consumed(&headers)).is_some());
    }

    #[test]
    fn without_a_span_or_an_opentelemetry_layer_nothing_is_written() {
        let mut headers = Vec::new();
        traced(|| inject_current(&mut headers));
        let span = tracing::info_span!("untraced");
        let _entered = span.enter();
        inject_current(&mut headers);
        assert!(headers.is_empty(), "{headers:?}");
    }

    #[test]
    fn the_trace_headers_are_named_by_the_propagator() {
        assert!(is_trace_header("traceparent"));
        assert!(is_trace_header("tracestate"));
        assert!(!is_trace_header("original_topic"));
    }
}
