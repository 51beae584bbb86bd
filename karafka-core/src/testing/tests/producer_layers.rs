//! The app's producer layers in a test: what app code produces and dead-letter dispatches both
//! go through them, so a test sees what they change.

use super::recorder::{produce, recorded, runtime_of, Script};
use crate::middleware::DeadLetterQueue;
use crate::producer::{map_record, ProduceError, ProducerLayer, Record};
use crate::routing::Routes;
use crate::testing::{TestError, TestRuntime};
use crate::App;

/// An app with `layer` on its producer whose topic `payments` (three records) fails at offset 1
/// for good, and dispatches it to `payments_dlq` after one retry.
fn dispatching_app(layer: impl ProducerLayer) -> TestRuntime {
    let (topic, _) = recorded("payments", Script::failing_at(1));
    let runtime =
        runtime_of(App::builder().producer_layer(layer).routes(
            Routes::new().topic(
                topic.dead_letter_queue(DeadLetterQueue::new("payments_dlq").max_retries(1)),
            ),
        ));
    produce(&runtime, "payments", 3);
    runtime
}

/// Runs `payments` through its failed attempt; the outcome of the run that dispatches.
async fn dispatch_run(runtime: &TestRuntime) -> Result<(), TestError> {
    assert!(
        runtime.consume("payments").await.is_err(),
        "attempt 1 fails"
    );
    runtime.consume("payments").await
}

/// The values of header `key` on what the app produced to `topic`, record by record.
fn header_values(runtime: &TestRuntime, topic: &str, key: &str) -> Vec<Vec<String>> {
    runtime
        .produced(topic)
        .iter()
        .map(|message| {
            message
                .headers()
                .iter()
                .filter(|header| header.key == key)
                .map(|header| {
                    String::from_utf8_lossy(header.value.as_deref().unwrap_or_default()).into()
                })
                .collect()
        })
        .collect()
}

#[tokio::test(start_paused = true)]
async fn the_app_producer_layers_apply_to_app_records_and_dead_letters() {
    let runtime = dispatching_app(map_record(|record: Record| {
        let topic = record.topic().to_owned();
        Ok(record.header("written_to", topic))
    }));

    runtime
        .producer()
        .produce_sync(Record::new("audit", "checked"))
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    dispatch_run(&runtime)
        .await
        .unwrap_or_else(|error| panic!("the retry ends in a dispatch: {error}"));

    assert_eq!(header_values(&runtime, "audit", "written_to"), [["audit"]]);
    assert_eq!(
        header_values(&runtime, "payments_dlq", "written_to"),
        [["payments_dlq"]],
        "the dispatch went through the layer"
    );
}

#[tokio::test(start_paused = true)]
async fn a_rejecting_app_layer_fails_produces_and_dispatches_naming_the_topic() {
    let runtime = dispatching_app(map_record(|record: Record| {
        Err(format!("`{}` is closed", record.topic()).into())
    }));

    let error = runtime
        .producer()
        .produce_sync(Record::new("audit", "x"))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, ProduceError::Rejected { topic, .. } if topic == "audit"),
        "{error:?}"
    );
    let dispatch = dispatch_run(&runtime).await.unwrap_err();
    assert!(
        dispatch.to_string().contains("`payments_dlq` is closed"),
        "{dispatch}"
    );

    assert!(runtime.produced("audit").is_empty());
    assert!(runtime.produced("payments_dlq").is_empty());
    assert_eq!(
        runtime.committed("payments", 0),
        Some(1),
        "the message whose dispatch failed stays unconsumed"
    );
}
