use std::collections::BTreeMap;

use super::recorder::{recorded, runtime, Script};
use crate::middleware::VirtualPartitions;
use crate::Record;

#[tokio::test(start_paused = true)]
async fn keys_keep_their_order_and_a_failure_collapses_until_past_the_batch() {
    let (topic, log) = recorded(
        "clicks",
        Script {
            fail_at: Some(3),
            fail_attempts: 1,
            marks_each: true,
            ..Script::default()
        },
    );
    let runtime = runtime(topic.virtual_partitions(VirtualPartitions::by_key().max_partitions(2)));
    for n in 0..6 {
        let key = if n % 2 == 0 { "a" } else { "b" };
        runtime
            .produce(Record::new("clicks", n.to_string()).key(key))
            .expect("produced");
    }

    assert!(runtime.consume("clicks").await.is_err(), "offset 3 fails");
    let parallel = log.batches();
    assert!(parallel.iter().all(|batch| !batch.collapsed));
    let mut by_group: BTreeMap<bool, Vec<i64>> = BTreeMap::new();
    for batch in &parallel {
        by_group
            .entry(batch.offsets[0] % 2 == 0)
            .or_default()
            .extend(&batch.offsets);
    }
    assert_eq!(
        by_group[&true],
        vec![0, 2, 4],
        "key a in order, in one virtual partition"
    );
    assert_eq!(by_group[&false], vec![1, 3, 5], "key b in order");
    // Marks of virtual partitions store only what all of them handled: 0, 1 and 2.
    assert_eq!(runtime.committed("clicks", 0), Some(3));

    runtime
        .consume("clicks")
        .await
        .expect("the collapsed retry succeeds");
    let retry = log.batches()[parallel.len()..].to_vec();
    assert_eq!(retry.len(), 1, "{retry:?}");
    assert!(retry[0].collapsed, "the retry runs collapsed");
    assert_eq!(
        retry[0].offsets,
        vec![3, 5],
        "skipping what was handled (4)"
    );
    assert_eq!(runtime.committed("clicks", 0), Some(6));
}
