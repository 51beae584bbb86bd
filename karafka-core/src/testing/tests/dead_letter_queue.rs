use super::recorder::{produce, recorded, runtime, Script};
use crate::middleware::dead_letter_queue::headers;
use crate::middleware::DeadLetterQueue;

#[tokio::test(start_paused = true)]
async fn after_its_retries_the_failing_message_is_dispatched_and_the_rest_handled() {
    let (topic, log) = recorded(
        "payments",
        Script {
            fail_at: Some(1),
            fail_attempts: u32::MAX,
            ..Script::default()
        },
    );
    let runtime =
        runtime(topic.dead_letter_queue(DeadLetterQueue::new("payments_dlq").max_retries(1)));
    produce(&runtime, "payments", 3);

    assert!(
        runtime.consume("payments").await.is_err(),
        "attempt 1 fails"
    );
    runtime
        .consume("payments")
        .await
        .expect("the retry ends in a dispatch");

    let dispatched = runtime.produced("payments_dlq");
    assert_eq!(dispatched.len(), 1);
    let header = |name| dispatched[0].headers().get_str(name).map(str::to_owned);
    assert_eq!(header(headers::OFFSET).as_deref(), Some("1"));
    assert_eq!(header(headers::TOPIC).as_deref(), Some("payments"));
    // Two runs of the batch, then the run alone that found it.
    assert_eq!(header(headers::ATTEMPTS).as_deref(), Some("3"));
    assert_eq!(header(headers::ERROR).as_deref(), Some("offset 1 failed"));
    assert_eq!(runtime.committed("payments", 0), Some(3));
    let offsets: Vec<Vec<i64>> = log.batches().into_iter().map(|b| b.offsets).collect();
    assert_eq!(
        offsets,
        vec![vec![0, 1, 2], vec![0, 1, 2], vec![0], vec![1], vec![2]],
        "the unmarked messages ran one at a time to find the failing one"
    );
}
