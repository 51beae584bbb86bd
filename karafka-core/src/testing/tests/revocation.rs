use std::time::Duration;

use tokio::time::sleep;

use super::recorder::{produce, recorded, runtime, Script};

#[tokio::test(start_paused = true)]
async fn a_graceful_revocation_lets_the_job_finish_commits_and_reassigns_from_there() {
    let (topic, log) = recorded(
        "orders",
        Script {
            work: Duration::from_secs(5),
            ..Script::default()
        },
    );
    let runtime = runtime(topic);
    produce(&runtime, "orders", 2);
    let (consumed, revoked) = tokio::join!(runtime.consume("orders"), async {
        sleep(Duration::from_secs(1)).await;
        runtime.revoke("orders", 0).await
    });
    consumed.expect("the job finished");
    revoked.expect("revoked");
    assert_eq!(
        runtime.committed("orders", 0),
        Some(2),
        "the job finished before the hand-over and its marks were committed"
    );
    assert_eq!(
        log.log().hooks,
        vec![
            "initialized orders/0".to_owned(),
            "revoked orders/0".to_owned()
        ]
    );

    produce(&runtime, "orders", 1);
    runtime.consume("orders").await.expect("consumed again");
    let offsets: Vec<Vec<i64>> = log.batches().into_iter().map(|b| b.offsets).collect();
    assert_eq!(
        offsets,
        vec![vec![0, 1], vec![2]],
        "resumed at the committed offset"
    );
    assert_eq!(log.log().hooks.len(), 3, "a new instance was initialized");
}

#[tokio::test(start_paused = true)]
async fn marks_are_refused_once_a_long_running_job_lost_its_partition() {
    let (topic, log) = recorded(
        "reports",
        Script {
            work: Duration::from_secs(60),
            marks_each: true,
            ..Script::default()
        },
    );
    let runtime = runtime(topic.long_running_job(true));
    produce(&runtime, "reports", 2);
    let (consumed, revoked) = tokio::join!(runtime.consume("reports"), async {
        sleep(Duration::from_secs(1)).await;
        runtime.revoke("reports", 0).await
    });
    consumed.expect("settled once revoked");
    revoked.expect("revoked without waiting for the job");
    // The revocation did not wait; the job marks after it, in vain.
    sleep(Duration::from_secs(120)).await;
    assert_eq!(log.log().marks, vec![(0, false), (1, false)]);
    assert_eq!(runtime.committed("reports", 0), None);
    assert!(runtime.shutdown().await);
    assert_eq!(
        log.log().hooks,
        vec![
            "initialized reports/0".to_owned(),
            "revoked reports/0".to_owned()
        ],
        "the revoked hook ran after the job ended; no shutdown hook for a revoked partition"
    );
}

#[tokio::test(start_paused = true)]
async fn a_consume_running_during_a_shutdown_returns_once_the_job_ended() {
    let (topic, log) = recorded(
        "orders",
        Script {
            work: Duration::from_secs(5),
            ..Script::default()
        },
    );
    let runtime = runtime(topic);
    produce(&runtime, "orders", 1);
    let started = tokio::time::Instant::now();
    let (consumed, drained) = tokio::join!(runtime.consume("orders"), async {
        sleep(Duration::from_secs(1)).await;
        runtime.shutdown().await
    });
    assert!(drained);
    consumed.expect("settled once the stopped coordinator ended");
    assert_eq!(started.elapsed(), Duration::from_secs(5), "not a day later");
    assert_eq!(runtime.committed("orders", 0), Some(1));
    assert_eq!(
        log.log().hooks,
        vec![
            "initialized orders/0".to_owned(),
            "shutdown orders/0".to_owned()
        ]
    );
}
