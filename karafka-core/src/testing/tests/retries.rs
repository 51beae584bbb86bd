use std::time::Duration;

use tokio::time::Instant;

use super::recorder::{produce, recorded, runtime, Script, Seen};
use crate::testing::TestError;

fn seen(offsets: std::ops::Range<i64>, attempt: u32) -> Seen {
    Seen {
        offsets: offsets.collect(),
        attempt,
        collapsed: false,
    }
}

#[tokio::test(start_paused = true)]
async fn a_failure_retries_from_the_first_unmarked_message_with_exponential_backoff() {
    let (topic, log) = recorded(
        "orders",
        Script {
            fail_at: Some(2),
            fail_attempts: 2,
            marks_each: true,
            ..Script::default()
        },
    );
    let runtime = runtime(topic);
    produce(&runtime, "orders", 5);
    let started = Instant::now();

    let first = runtime.consume("orders").await;
    assert!(
        matches!(
            &first,
            Err(TestError::Failed {
                offset: 2,
                attempt: 1,
                ..
            })
        ),
        "{first:?}"
    );
    assert_eq!(
        runtime.committed("orders", 0),
        Some(2),
        "0 and 1 were marked"
    );

    let second = runtime.consume("orders").await;
    assert!(
        matches!(
            &second,
            Err(TestError::Failed {
                offset: 2,
                attempt: 2,
                ..
            })
        ),
        "{second:?}"
    );
    runtime
        .consume("orders")
        .await
        .expect("the third attempt succeeds");

    assert_eq!(
        log.batches(),
        vec![seen(0..5, 1), seen(2..5, 2), seen(2..5, 3)],
        "the retries start at the failed message and count attempts"
    );
    // pause_timeout 1 s, doubled: 1 s then 2 s of virtual time.
    assert_eq!(started.elapsed(), Duration::from_secs(3));
    assert_eq!(runtime.committed("orders", 0), Some(5));
}

#[tokio::test(start_paused = true)]
async fn a_consumer_that_does_not_mark_retries_the_whole_batch() {
    let (topic, log) = recorded(
        "orders",
        Script {
            fail_at: Some(1),
            fail_attempts: 1,
            ..Script::default()
        },
    );
    let runtime = runtime(topic);
    produce(&runtime, "orders", 3);
    assert!(runtime.consume("orders").await.is_err());
    assert_eq!(runtime.committed("orders", 0), None, "nothing was marked");
    runtime.consume("orders").await.expect("the retry succeeds");
    assert_eq!(log.batches(), vec![seen(0..3, 1), seen(0..3, 2)]);
    assert_eq!(runtime.committed("orders", 0), Some(3));
}
