//! Misuse of the test app, and what goes wrong in a test: each error names the topic and the
//! consumer, so the failing test says what to fix.

mod common;

use std::time::Duration;

use common::{after, app, app_with, build, config, near, produce, recorded, Recorder, Script};
use karafka::routing::{Routes, Topic};
use karafka::{async_trait, Consumer, Context};
use karafka_testing::{TestApp, TestError};

/// Never ends its job.
#[derive(Default)]
struct Stuck;

#[async_trait]
impl Consumer for Stuck {
    async fn consume(&mut self, _: &mut Context) -> anyhow::Result<()> {
        std::future::pending().await
    }
}

/// A consumer no topic of the tests routes.
#[derive(Default)]
struct Unused;

#[async_trait]
impl Consumer for Unused {
    async fn consume(&mut self, _: &mut Context) -> anyhow::Result<()> {
        Ok(())
    }
}

/// An app routing `orders` and `payments` to recorders.
fn two_topics() -> TestApp {
    let (orders, _) = recorded("orders", Script::default());
    let (payments, _) = recorded("payments", Script::default());
    app([orders, payments])
}

#[tokio::test(start_paused = true)]
async fn consuming_a_topic_that_is_not_routed_lists_the_routed_ones() {
    let app = two_topics();
    app.produce("invoices", 1);
    let error = app.consume("invoices").await.expect_err("not routed");
    assert!(
        matches!(&error, TestError::NotRouted { topic, routed }
            if topic == "invoices" && routed.contains("orders") && routed.contains("payments")),
        "{error:?}"
    );
    let text = error.to_string();
    for name in ["invoices", "orders", "payments"] {
        assert!(text.contains(name), "{text}");
    }
    let revoked = app.revoke("invoices", 0).await;
    assert!(
        matches!(revoked, Err(TestError::NotRouted { .. })),
        "{revoked:?}"
    );
    let consumer = app.consumer::<Recorder>("invoices", 0).err();
    assert!(
        matches!(consumer, Some(TestError::NotRouted { .. })),
        "{consumer:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn consuming_a_topic_nothing_was_produced_to_says_so() {
    let app = two_topics();
    produce(&app, "payments", 1);
    let error = app.consume("orders").await.expect_err("nothing produced");
    assert!(
        matches!(&error, TestError::NothingProduced { topic } if topic == "orders"),
        "{error:?}"
    );
    assert!(error.to_string().contains("`orders`"), "{error}");
}

#[tokio::test(start_paused = true)]
async fn nothing_consumes_after_a_shutdown() {
    let app = two_topics();
    produce(&app, "orders", 1);
    app.consume("orders").await.expect("consumed");
    assert!(app.shutdown().await);
    produce(&app, "orders", 1);
    let error = app.consume("orders").await.expect_err("shut down");
    assert!(
        matches!(&error, TestError::ShutDown { topic } if topic == "orders"),
        "{error:?}"
    );
    assert!(error.to_string().contains("shut down"), "{error}");
    assert!(matches!(
        app.revoke("orders", 0).await,
        Err(TestError::ShutDown { .. })
    ));
    assert_eq!(
        app.committed("orders", 0),
        Some(1),
        "the later record stays unconsumed"
    );
}

#[tokio::test(start_paused = true)]
async fn asking_for_the_consumer_before_consuming_names_the_partition_and_the_consumer() {
    let app = two_topics();
    produce(&app, "orders", 1);
    let error = app
        .consumer::<Recorder>("orders", 0)
        .err()
        .expect("not consumed yet");
    assert!(
        matches!(&error, TestError::NotAssigned { topic, partition: 0, consumer: "Recorder" }
            if topic == "orders"),
        "{error:?}"
    );
    let text = error.to_string();
    assert!(
        text.contains("orders/0") && text.contains("Recorder"),
        "{text}"
    );
}

#[tokio::test(start_paused = true)]
async fn asking_for_the_wrong_consumer_type_names_both_types() {
    let app = two_topics();
    produce(&app, "orders", 1);
    app.consume("orders").await.expect("consumed");
    let error = app
        .consumer::<Unused>("orders", 0)
        .err()
        .expect("wrong type");
    assert!(
        matches!(&error, TestError::WrongConsumer { topic, asked: "Unused", actual: "Recorder" }
            if topic == "orders"),
        "{error:?}"
    );
    let text = error.to_string();
    for name in ["orders", "Unused", "Recorder"] {
        assert!(text.contains(name), "{text}");
    }
    assert!(
        app.consumer::<Recorder>("orders", 0).is_ok(),
        "the right type"
    );
}

#[tokio::test(start_paused = true)]
async fn a_failure_names_the_partition_consumer_offset_attempt_and_error() {
    let (topic, _log) = recorded("orders", Script::failing(0, 1));
    let app = app([topic]);
    produce(&app, "orders", 1);
    let error = app.consume("orders").await.expect_err("fails");
    let text = error.to_string();
    for part in [
        "orders/0",
        "Recorder",
        "offset 0",
        "attempt 1",
        "offset 0 failed",
    ] {
        assert!(text.contains(part), "{part:?} in {text}");
    }
}

#[tokio::test(start_paused = true)]
async fn the_consumer_is_busy_while_its_job_runs() {
    let (topic, _log) = recorded("orders", Script::default().working(Duration::from_secs(5)));
    let app = app([topic]);
    produce(&app, "orders", 1);
    let (consumed, (busy, _)) = tokio::join!(
        app.consume("orders"),
        after(Duration::from_secs(1), async {
            app.consumer::<Recorder>("orders", 0).err()
        })
    );
    consumed.expect("consumed");
    let error = busy.expect("busy");
    assert!(
        matches!(
            &error,
            TestError::Busy {
                partition: 0,
                consumer: "Recorder",
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("orders/0"), "{error}");
    assert!(
        app.consumer::<Recorder>("orders", 0).is_ok(),
        "free once consumed"
    );
}

#[tokio::test(start_paused = true)]
async fn a_job_that_never_ends_is_reported_after_a_day_of_virtual_time() {
    let real = std::time::Instant::now();
    let app = app([Topic::new("orders").consumer::<Stuck>()]);
    produce(&app, "orders", 1);
    let error = app.consume("orders").await.expect_err("stuck");
    assert!(
        matches!(
            &error,
            TestError::NotSettled {
                consumer: "Stuck",
                ..
            }
        ),
        "{error:?}"
    );
    let text = error.to_string();
    assert!(text.contains("orders") && text.contains("Stuck"), "{text}");
    assert!(
        real.elapsed() < Duration::from_secs(5),
        "{:?}",
        real.elapsed()
    );
}

#[test]
fn a_test_app_needs_a_tokio_runtime() {
    let app = build(
        config(),
        Routes::new().topic(Topic::new("orders").consumer::<Unused>()),
    );
    let error = TestApp::try_new(app).err().expect("no runtime");
    assert!(matches!(error, TestError::NoRuntime), "{error:?}");
    assert!(error.to_string().contains("start_paused"), "{error}");
}

#[tokio::test(start_paused = true)]
async fn a_revocation_waiting_longer_than_shutdown_timeout_for_the_job_names_its_consumer() {
    let mut settings = config();
    settings.shutdown_timeout = Duration::from_secs(2);
    let (topic, _log) = recorded("orders", Script::default().working(Duration::from_secs(60)));
    let app = app_with(settings, [topic]);
    produce(&app, "orders", 1);
    let (_, (revoked, waited)) = tokio::join!(
        app.consume("orders"),
        after(Duration::from_secs(1), app.revoke("orders", 0))
    );
    let error = revoked.expect_err("the job outlives shutdown_timeout");
    assert!(
        matches!(&error, TestError::NotSettled { topic, consumer: "Recorder", .. }
            if topic == "orders"),
        "{error:?}"
    );
    assert!(
        near(waited, Duration::from_secs(3)),
        "gave up after {waited:?}"
    );
    assert!(error.to_string().contains("Recorder"), "{error}");
}
