//! A route's own layers run around its consumer in the test app, as in the server.

mod common;

use std::sync::{Arc, Mutex, PoisonError};

use common::{app, produce, recorded, Script};
use karafka::middleware::layer_fn;

/// Shared by the layers of a test: what they saw, in order.
#[derive(Clone, Default)]
struct Trace(Arc<Mutex<Vec<String>>>);

impl Trace {
    fn push(&self, entry: String) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(entry);
    }

    fn entries(&self) -> Vec<String> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

#[tokio::test(start_paused = true)]
async fn layers_run_around_the_consumer_the_last_added_outermost() {
    let trace = Trace::default();
    let layer = |name: &'static str| {
        let trace = trace.clone();
        layer_fn(move |ctx, next| {
            let trace = trace.clone();
            async move {
                trace.push(format!("{name} in: {} messages", ctx.messages().len()));
                let result = next.run(ctx).await;
                trace.push(format!("{name} out: ok {}", result.is_ok()));
                result
            }
        })
    };
    let (topic, log) = recorded("orders", Script::default());
    let app = app([topic.layer(layer("inner")).layer(layer("outer"))]);
    produce(&app, "orders", 2);
    app.consume("orders").await.expect("consumed");
    assert_eq!(
        trace.entries(),
        vec![
            "outer in: 2 messages",
            "inner in: 2 messages",
            "inner out: ok true",
            "outer out: ok true"
        ]
    );
    assert_eq!(log.offsets(), vec![vec![0, 1]]);
}

#[tokio::test(start_paused = true)]
async fn a_layer_that_handles_the_error_stops_the_retry() {
    let trace = Trace::default();
    let handled = trace.clone();
    let swallow = layer_fn(move |ctx, next| {
        let trace = handled.clone();
        async move {
            if let Err(error) = next.run(ctx).await {
                trace.push(format!("handled: {error}"));
            }
            Ok(())
        }
    });
    let (topic, log) = recorded("orders", Script::always_failing(1));
    let app = app([topic.layer(swallow)]);
    produce(&app, "orders", 3);
    app.consume("orders")
        .await
        .expect("no failure reaches the runtime");
    assert_eq!(trace.entries(), vec!["handled: offset 1 failed"]);
    assert_eq!(log.attempts(), vec![1], "not retried");
    assert_eq!(
        app.committed("orders", 0),
        None,
        "the consumer failed before the batch was marked"
    );
}
