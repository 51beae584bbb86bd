//! Virtual partitions: a partition's batch split by key over several consumer instances, each
//! key in order in one of them; a failure retries collapsed, then parallelism resumes.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::{app, recorded, Log, Marks, Recorder, Script};
use karafka::middleware::VirtualPartitions;
use karafka_testing::{TestApp, TestError};

const KEYS: [&str; 3] = ["a", "b", "c"];

/// The app consuming `clicks` with up to three virtual partitions by key, and the recorders' log.
fn clicks_app(script: Script) -> (TestApp, Log) {
    let (topic, log) = recorded("clicks", script);
    let topic = topic.virtual_partitions(VirtualPartitions::by_key().max_partitions(3));
    (app([topic]), log)
}

/// Produces `count` clicks, keyed `a`, `b`, `c`, `a`... from `first` on (offset `n` has key
/// `KEYS[n % 3]`).
fn produce_clicks(app: &TestApp, first: usize, count: usize) {
    for n in first..first + count {
        app.produce("clicks", serde_json::json!({ "n": n }))
            .key(KEYS[n % KEYS.len()])
            .partition(0);
    }
}

/// The key of the click at `offset`.
fn key(offset: i64) -> &'static str {
    KEYS[offset.unsigned_abs() as usize % KEYS.len()]
}

/// The offsets each instance handled, by instance.
fn handled_by_instance(app: &TestApp) -> BTreeMap<usize, Vec<i64>> {
    app.consumers::<Recorder>("clicks", 0)
        .unwrap_or_else(|error| panic!("consumed: {error}"))
        .iter()
        .map(|recorder| (recorder.instance, recorder.handled.clone()))
        .collect()
}

#[tokio::test(start_paused = true)]
async fn keys_are_split_over_instances_each_key_in_order_in_one() {
    let (app, log) = clicks_app(Script::default());
    produce_clicks(&app, 0, 12);
    app.consume("clicks").await.expect("consumed");

    let instances = handled_by_instance(&app);
    assert_eq!(instances.len(), 3, "max_partitions instances, reachable");
    let busy = instances.values().filter(|h| !h.is_empty()).count();
    assert!(busy >= 2, "handled in parallel: {instances:?}");
    for handled in instances.values() {
        let mut sorted = handled.clone();
        sorted.sort_unstable();
        assert_eq!(handled, &sorted, "in offset order within an instance");
    }
    for wanted in KEYS {
        let holders: Vec<usize> = instances
            .iter()
            .filter(|(_, handled)| handled.iter().any(|&o| key(o) == wanted))
            .map(|(instance, _)| *instance)
            .collect();
        assert_eq!(
            holders.len(),
            1,
            "key {wanted} in one instance: {instances:?}"
        );
    }
    let all: BTreeSet<i64> = instances.values().flatten().copied().collect();
    assert_eq!(all, (0..12).collect(), "each click once");
    assert_eq!(instances.values().map(Vec::len).sum::<usize>(), 12);
    assert!(log.batches().iter().all(|batch| !batch.collapsed));
    assert_eq!(app.committed("clicks", 0), Some(12));
}

#[tokio::test(start_paused = true)]
async fn a_failure_retries_collapsed_then_parallelism_resumes() {
    // Offset 3 (key `a`, after 0) fails on the first attempt.
    let (app, log) = clicks_app(Script::failing(3, 1).marking(Marks::Each));
    produce_clicks(&app, 0, 9);

    let failed = app.consume("clicks").await;
    assert!(
        matches!(
            failed,
            Err(TestError::Failed {
                offset: 3,
                attempt: 1,
                ..
            })
        ),
        "{failed:?}"
    );
    let parallel = log.batches();
    assert!(parallel
        .iter()
        .all(|batch| !batch.collapsed && batch.attempt == 1));
    assert_eq!(
        app.committed("clicks", 0),
        Some(3),
        "only what every virtual partition handled: 0 to 2"
    );

    app.consume("clicks").await.expect("the retry succeeds");
    let retry = &log.batches()[parallel.len()..];
    let first_instance = app
        .consumer::<Recorder>("clicks", 0)
        .expect("consumed")
        .instance;
    assert_eq!(retry.len(), 1, "{retry:?}");
    assert!(retry[0].collapsed, "ctx.collapsed() in the retry");
    assert_eq!(retry[0].attempt, 2);
    assert_eq!(retry[0].instance, first_instance, "one consumer: the first");
    assert_eq!(
        retry[0].offsets,
        vec![3, 6],
        "key a from the failure on, in partition order; b and c were handled"
    );
    assert_eq!(app.committed("clicks", 0), Some(9));

    produce_clicks(&app, 9, 6);
    app.consume("clicks")
        .await
        .expect("consumed in parallel again");
    let after = &log.batches()[parallel.len() + 1..];
    assert!(after.iter().all(|batch| !batch.collapsed), "{after:?}");
    let instances: BTreeSet<usize> = after.iter().map(|batch| batch.instance).collect();
    assert!(instances.len() >= 2, "parallel again: {after:?}");
    let mut offsets: Vec<i64> = after.iter().flat_map(|b| b.offsets.clone()).collect();
    offsets.sort_unstable();
    assert_eq!(offsets, (9..15).collect::<Vec<_>>());
    assert_eq!(app.committed("clicks", 0), Some(15));
}
