//! The example as a process against the broker: payments become ledger entries once each, and
//! the payments' offsets are committed with them.

use std::collections::BTreeSet;
use std::time::Duration;

use karafka_integration_tests::*;

const LEDGER: &str = env!("CARGO_BIN_EXE_example-exactly-once");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_payment_becomes_one_ledger_entry() {
    let (input, output, group) = (unique("payments"), unique("ledger"), unique("ledger-group"));
    create_topic(&input, 1).await;
    create_topic(&output, 1).await;
    let payments: Vec<String> = (0..5)
        .map(|n| {
            format!(
                r#"{{"account":"acct-{}","amount_cents":{}}}"#,
                n % 2,
                n * 100
            )
        })
        .collect();
    let payments: Vec<&str> = payments.iter().map(String::as_str).collect();
    produce_to(&input, 0, &payments).await;
    let mut app = Probe::spawn(
        LEDGER,
        &input,
        &group,
        &[("LEDGER_INPUT", &input), ("LEDGER_OUTPUT", &output)],
    );
    let started = std::time::Instant::now();
    while committed_offsets(&group, &input, 1) != [Some(5)] && started.elapsed().as_secs() < 60 {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let committed = committed_offsets(&group, &input, 1);
    app.signal("TERM");
    let (code, stderr) = app.wait(Duration::from_secs(30)).await;
    assert_eq!(
        committed,
        [Some(5)],
        "the payments committed within 60 s: {stderr}"
    );
    assert_eq!(code, Some(0), "{stderr}");

    let entries = read_partition(&output, 0).await;
    let sources: BTreeSet<String> = entries
        .iter()
        .map(|entry| {
            let entry: serde_json::Value = entry.payload().expect("JSON entry");
            entry["source"].as_str().expect("a source").to_owned()
        })
        .collect();
    assert_eq!(entries.len(), 5, "one entry per payment");
    assert_eq!(
        sources,
        (0..5).map(|offset| format!("0/{offset}")).collect()
    );
}
