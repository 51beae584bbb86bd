//! The runtime's spans continuing the traces their messages were produced in.

use std::collections::HashSet;

use opentelemetry::trace::TraceContextExt as _;
use tracing::Span;
use tracing_opentelemetry::OpenTelemetrySpanExt as _;

use super::propagation::remote_context;
use crate::messages::Message;

/// Links a span keeps at most: the SDK's default limit, so no header is read for a link it would
/// drop anyway.
const MAX_LINKS: usize = 128;

/// Makes `span` (not entered yet) continue the trace the first of `messages` was produced in,
/// and links it to the other trace contexts among them.
///
/// When the current span belongs to that trace already (a dead-letter dispatch inside the consume
/// span of its message), `span` stays its child. Otherwise it becomes a child of the producer's
/// span and is linked to the current span, so neither trace loses it.
pub(crate) fn continue_traces<'a>(span: &Span, messages: impl IntoIterator<Item = &'a Message>) {
    if span.is_disabled() {
        return;
    }
    let mut messages = messages.into_iter();
    let Some(first) = messages.next() else {
        return;
    };
    let mut linked = HashSet::new();
    if let Some(producer) = remote_context(first.headers()) {
        linked.insert((producer.trace_id(), producer.span_id()));
        let current = Span::current().context().span().span_context().clone();
        if !current.is_valid() || current.trace_id() != producer.trace_id() {
            // Fails only without an OpenTelemetry layer, when there is no trace to continue.
            let _ =
                span.set_parent(opentelemetry::Context::new().with_remote_span_context(producer));
            span.add_link(current);
        }
    }
    for message in messages {
        if linked.len() >= MAX_LINKS {
            break;
        }
        if let Some(other) = remote_context(message.headers()) {
            if linked.insert((other.trace_id(), other.span_id())) {
                span.add_link(other);
            }
        }
    }
}
