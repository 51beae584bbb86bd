//! The example as a process against the broker: it consumes a topic and answers on HTTP in one
//! process; `POST /quiet` stops new batches while it stays in its group, and SIGTERM ends both
//! gracefully with exit code 0.

use std::time::Duration;

use karafka_integration_tests::*;

const EMBEDDED: &str = env!("CARGO_BIN_EXE_example-embedded");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_consumes_and_serves_count_status_and_quiet() {
    let topic = unique("embedded-example");
    let group = unique("embedded-example-group");
    create_topic(&topic, 1).await;
    produce_to(&topic, 0, &["a", "b", "c"]).await;
    let address = free_address();
    let mut app = Probe::command(
        EMBEDDED,
        &[],
        &topic,
        &group,
        &[("EMBEDDED_TOPIC", &topic), ("EMBEDDED_ADDRESS", &address)],
    );

    let wait = Duration::from_secs(60);
    http_get_until(&address, "/count", wait, "3 consumed", |body| body == "3").await;
    let status = http_get_until(&address, "/status", wait, "running", |body| {
        body.contains(r#""state":"running""#)
    })
    .await;
    assert!(
        status.contains(&format!(r#""partitions":["{topic}/0"]"#)),
        "{status}"
    );
    assert!(status.contains(r#""joined":true"#), "{status}");

    let (code, answer) = http_post(&address, "/quiet").await.expect("an answer");
    assert_eq!(code, 200, "{answer}");
    assert!(
        answer.contains(r#""state":"quiet"#),
        "quieting or quiet: {answer}"
    );
    http_get_until(&address, "/status", wait, "quiet", |body| {
        body.contains(r#""state":"quiet""#)
    })
    .await;
    produce_to(&topic, 0, &["d", "e"]).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (_, count) = http_get(&address, "/count").await.expect("an answer");
    assert_eq!(count, "3", "nothing new is consumed while quiet");
    let members = stable_group_members(&group).expect("the group is stable while quiet");
    assert_eq!(members.len(), 1, "still a member while quiet: {members:?}");

    app.signal("TERM");
    let (code, stderr) = app.wait(Duration::from_secs(30)).await;
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("Reached quiet mode"), "{stderr}");
    assert_eq!(committed_offsets(&group, &topic, 1), vec![Some(3)]);
}
