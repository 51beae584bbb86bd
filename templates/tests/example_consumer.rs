//! The app's consumers, tested without a broker: karafka-testing runs the app's real routes (each
//! topic's consumer and everything around it) on an in-memory Kafka. Time is virtual
//! (`start_paused`), so retry backoffs cost no real time.

use karafka_testing::{TestApp, TestError};
use {{crate_name}}::consumers::ExampleConsumer;

/// The topic `ExampleConsumer` is routed to in `src/routes.rs`.
const TOPIC: &str = "example";

#[tokio::test(start_paused = true)]
async fn example_messages_are_consumed_and_committed() -> anyhow::Result<()> {
    let app = TestApp::new({{crate_name}}::app()?);
    app.produce(TOPIC, serde_json::json!({"Karafka is awesome": true}));
    let order = serde_json::json!({"order": 1});
    app.produce(TOPIC, order).key("k1");
    app.consume(TOPIC).await?;
    assert_eq!(app.committed(TOPIC, 0), Some(2));
    // One instance per partition, or one per virtual partition when the routes turn those on.
    let instances = app.consumers::<ExampleConsumer>(TOPIC, 0)?;
    assert_eq!(instances.iter().map(|c| c.consumed).sum::<usize>(), 2);
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn a_payload_that_is_not_json_fails_at_its_offset_and_is_retried() -> anyhow::Result<()> {
    let app = TestApp::new({{crate_name}}::app()?);
    app.produce(TOPIC, serde_json::json!({"ok": true}));
    app.produce_raw(TOPIC, Some(b"not json".to_vec()));
    match app.consume(TOPIC).await {
        Err(TestError::Failed {
            offset: 1,
            attempt: 1,
            ..
        }) => {}
        other => panic!("expected offset 1 to fail: {other:?}"),
    }
    assert_eq!(app.committed(TOPIC, 0), Some(1), "offset 0 was handled");
    // The next consume retries it after the backoff; it fails again, as it always will.
    match app.consume(TOPIC).await {
        Err(TestError::Failed { attempt: 2, .. }) => Ok(()),
        other => panic!("expected the retry to fail: {other:?}"),
    }
}
