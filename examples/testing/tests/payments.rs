//! The payments consumer, tested without a broker in virtual time.

use example_testing::{app, Payment, PaymentsConsumer};
use karafka::middleware::dead_letter_queue::headers;
use karafka::Config;
use karafka_testing::{TestApp, TestError};

fn test_app() -> TestApp {
    // Settings are validated when the app is built; nothing connects to this address.
    let config = Config::default().kafka("bootstrap.servers", "127.0.0.1:9092");
    TestApp::new(app(config).expect("the app builds"))
}

#[tokio::test(start_paused = true)]
async fn payments_are_charged_and_a_receipt_produced_for_each() -> anyhow::Result<()> {
    let app = test_app();
    app.produce("payments", Payment { id: 1, cents: 500 })
        .key("1");
    app.produce("payments", Payment { id: 2, cents: 250 })
        .key("2");
    app.consume("payments").await?;

    assert_eq!(app.committed("payments", 0), Some(2));
    assert_eq!(
        app.consumer::<PaymentsConsumer>("payments", 0)?.charged,
        750
    );
    let receipts = app.produced("receipts");
    let ids: Vec<u64> = receipts
        .iter()
        .map(|receipt| receipt.payload::<Payment>().map(|p| p.id))
        .collect::<Result<_, _>>()?;
    assert_eq!(ids, vec![1, 2]);
    assert_eq!(receipts[0].key(), Some(&b"1"[..]));
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn a_refused_payment_goes_to_the_dead_letter_queue_after_two_retries() -> anyhow::Result<()> {
    let app = test_app();
    app.produce("payments", Payment { id: 1, cents: 100 });
    app.produce("payments", Payment { id: 2, cents: -5 });
    app.produce("payments", Payment { id: 3, cents: 300 });

    // The first run and two retries fail at payment 2; each `consume` waits out the backoff.
    for attempt in 1..=2 {
        match app.consume("payments").await {
            Err(TestError::Failed {
                offset: 1,
                attempt: failed,
                ..
            }) if failed == attempt => {}
            other => panic!("attempt {attempt}: {other:?}"),
        }
    }
    app.consume("payments").await?;

    let dead = app.produced("payments_dlq");
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].headers().get_str(headers::OFFSET), Some("1"));
    assert_eq!(dead[0].headers().get_str(headers::ATTEMPTS), Some("3"));
    assert_eq!(
        dead[0].headers().get_str(headers::ERROR),
        Some("the bank refused payment 2")
    );
    assert_eq!(
        app.committed("payments", 0),
        Some(3),
        "payment 3 was charged after it"
    );
    assert_eq!(
        app.consumer::<PaymentsConsumer>("payments", 0)?.charged,
        400
    );
    Ok(())
}
