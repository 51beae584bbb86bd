//! The runtime's `tracing` spans: a job's, its virtual partitions', its dead-letter dispatches'.

use std::sync::{Arc, Mutex, PoisonError};

use tracing::span::{Attributes, Id};
use tracing::Subscriber;
use tracing_subscriber::layer::{Context as LayerContext, Layer, SubscriberExt as _};
use tracing_subscriber::registry::LookupSpan;

use super::recorder::{produce, recorded, runtime, Script};
use crate::middleware::{DeadLetterQueue, VirtualPartitions};
use crate::Record;

/// A span as it opened: its name and its parent's.
type Named = (String, Option<String>);

/// The runtime's spans as they open.
#[derive(Clone, Default)]
struct Opened(Arc<Mutex<Vec<Named>>>);

impl Opened {
    fn spans(&self) -> Vec<Named> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Opened {
    fn on_new_span(&self, attributes: &Attributes<'_>, id: &Id, ctx: LayerContext<'_, S>) {
        let name = attributes.metadata().name();
        if !name.starts_with("karafka.") {
            return;
        }
        let parent = ctx
            .span(id)
            .and_then(|span| span.parent())
            .map(|parent| parent.name().to_owned());
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((name.to_owned(), parent));
    }
}

fn span(name: &str, parent: Option<&str>) -> Named {
    (name.to_owned(), parent.map(str::to_owned))
}

#[tokio::test(start_paused = true)]
async fn each_virtual_partition_runs_in_a_span_below_the_job() {
    let opened = Opened::default();
    // The test runtime runs every job on this thread.
    let _subscriber =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(opened.clone()));
    let (topic, _) = recorded("clicks", Script::default());
    let runtime = runtime(topic.virtual_partitions(VirtualPartitions::by_key().max_partitions(2)));
    for (n, key) in ["a", "b", "a", "b"].into_iter().enumerate() {
        runtime
            .produce(Record::new("clicks", n.to_string()).key(key))
            .expect("produced");
    }

    runtime.consume("clicks").await.expect("consumed");

    assert_eq!(
        opened.spans(),
        [
            span("karafka.consume", None),
            span("karafka.virtual_partition", Some("karafka.consume")),
            span("karafka.virtual_partition", Some("karafka.consume")),
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn a_dead_letter_dispatch_runs_in_a_span_below_the_job() {
    let opened = Opened::default();
    let _subscriber =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(opened.clone()));
    let (topic, _) = recorded(
        "payments",
        Script {
            fail_at: Some(0),
            fail_attempts: u32::MAX,
            ..Script::default()
        },
    );
    let runtime =
        runtime(topic.dead_letter_queue(DeadLetterQueue::new("payments_dlq").max_retries(0)));
    produce(&runtime, "payments", 1);

    runtime
        .consume("payments")
        .await
        .expect("the failure ends in a dispatch");

    assert_eq!(runtime.produced("payments_dlq").len(), 1);
    assert_eq!(
        opened.spans(),
        [
            span("karafka.consume", None),
            span("karafka.dead_letter", Some("karafka.consume")),
        ]
    );
}
