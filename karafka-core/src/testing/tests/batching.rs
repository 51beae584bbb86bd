use super::recorder::{produce, recorded, runtime, Script};

#[tokio::test(start_paused = true)]
async fn batches_hold_at_most_max_messages_in_order_and_new_records_make_new_batches() {
    let (topic, log) = recorded("events", Script::default());
    let runtime = runtime(topic.max_messages(3));
    produce(&runtime, "events", 7);
    runtime.consume("events").await.expect("consumed");
    let offsets: Vec<Vec<i64>> = log.batches().into_iter().map(|b| b.offsets).collect();
    assert_eq!(offsets, vec![vec![0, 1, 2], vec![3, 4, 5], vec![6]]);
    assert_eq!(runtime.committed("events", 0), Some(7));

    produce(&runtime, "events", 2);
    runtime.consume("events").await.expect("consumed");
    let offsets: Vec<Vec<i64>> = log.batches().into_iter().map(|b| b.offsets).collect();
    assert_eq!(offsets.last(), Some(&vec![7, 8]));
    assert_eq!(runtime.committed("events", 0), Some(9));
    assert_eq!(
        log.log().hooks,
        vec!["initialized events/0".to_owned()],
        "one instance per partition, kept across batches"
    );
}
