//! Virtual partitions against the real broker: per-key order over many batches with a failing key
//! (collapse, then parallelism again), and a kill that loses nothing and commits nothing beyond
//! the handled prefix.

use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use karafka::middleware::{Distribution, VirtualPartitions};
use karafka::routing::{Routes, Topic};
use karafka::{async_trait, Consumer, Context, Shutdown};
use karafka_integration_tests::*;
use serde_json::Value;

/// One handled message: key, sequence number within the key, consumer instance, collapsed.
type Seen = (u64, u64, usize, bool);

/// Records what it handles and marks as it goes; fails key 7's tenth message once.
struct Keyed {
    instance: usize,
    seen: Arc<Mutex<Vec<Seen>>>,
    failed: Arc<AtomicUsize>,
}

#[async_trait]
impl Consumer for Keyed {
    async fn consume(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        for message in ctx.messages() {
            let payload: Value = message.payload()?;
            let (key, seq) = (
                payload["key"].as_u64().unwrap(),
                payload["seq"].as_u64().unwrap(),
            );
            // Slow enough that virtual partitions overlap.
            tokio::time::sleep(Duration::from_micros(200)).await;
            if (key, seq) == (7, 10) && self.failed.fetch_add(1, Ordering::SeqCst) == 0 {
                anyhow::bail!("key 7 fails once");
            }
            self.seen
                .lock()
                .unwrap()
                .push((key, seq, self.instance, ctx.collapsed()));
            ctx.mark_as_consumed(message);
        }
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_key_order_holds_over_batches_a_failure_collapses_then_parallelism_resumes() {
    logs();
    let (topic, group) = (unique("virtual"), unique("virtual-group"));
    create_topic(&topic, 1).await;
    produce_keyed(&topic, 2_000, 50).await;

    let seen = Arc::new(Mutex::new(Vec::new()));
    let (instances, failed) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let consumer_seen = Arc::clone(&seen);
    let server = RunningServer::start(
        config(&group),
        Routes::new().topic(
            Topic::new(&topic)
                .max_messages(100)
                .virtual_partitions(
                    VirtualPartitions::new(|m| m.key().map(<[u8]>::to_vec))
                        .max_partitions(8)
                        .distribution(Distribution::Consistent),
                )
                .consumer_with(move || Keyed {
                    instance: instances.fetch_add(1, Ordering::SeqCst),
                    seen: Arc::clone(&consumer_seen),
                    failed: Arc::clone(&failed),
                }),
        ),
    );
    let started = Instant::now();
    while seen.lock().unwrap().len() < 2_000 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "not every message was handled"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(matches!(server.stop().await, Shutdown::Graceful));

    let seen = seen.lock().unwrap().clone();
    assert_eq!(
        seen.len(),
        2_000,
        "nothing handled twice, also on the retry"
    );
    let mut by_key: BTreeMap<u64, Vec<u64>> = BTreeMap::new();
    for (key, seq, _, _) in &seen {
        by_key.entry(*key).or_default().push(*seq);
    }
    for (key, seqs) in &by_key {
        assert_eq!(
            seqs,
            &(0..40).collect::<Vec<_>>(),
            "key {key}: in order, none skipped"
        );
    }
    let parallel: Vec<&Seen> = seen
        .iter()
        .filter(|(_, _, _, collapsed)| !collapsed)
        .collect();
    let collapsed: Vec<&Seen> = seen
        .iter()
        .filter(|(_, _, _, collapsed)| *collapsed)
        .collect();
    assert!(
        collapsed
            .iter()
            .any(|(key, seq, _, _)| (*key, *seq) == (7, 10)),
        "the retry ran collapsed"
    );
    let instances_used: HashSet<usize> = parallel
        .iter()
        .map(|(_, _, instance, _)| *instance)
        .collect();
    assert!(
        instances_used.len() > 1,
        "virtual partitions ran in parallel"
    );
    let mut key_instance: BTreeMap<u64, HashSet<usize>> = BTreeMap::new();
    for (key, _, instance, _) in &parallel {
        key_instance.entry(*key).or_default().insert(*instance);
    }
    assert!(
        key_instance.values().all(|set| set.len() == 1),
        "a key stays in its virtual partition"
    );
    let last_collapsed = seen
        .iter()
        .rposition(|(_, _, _, collapsed)| *collapsed)
        .unwrap();
    assert!(
        seen[last_collapsed..]
            .iter()
            .any(|(_, _, _, collapsed)| !collapsed),
        "parallelism resumed after the failed batch"
    );
    assert_eq!(committed_offsets(&group, &topic, 1), vec![Some(2_000)]);
}

const PROBE: &str = env!("CARGO_BIN_EXE_probe");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_mid_batch_loses_nothing_and_commits_only_the_handled_prefix() {
    let (topic, group) = (unique("virtual-kill"), unique("virtual-kill-group"));
    create_topic(&topic, 1).await;
    produce_keyed(&topic, 3_000, 64).await;
    let session = [
        ("KARAFKA_KAFKA__SESSION_TIMEOUT_MS", "3000"),
        ("KARAFKA_KAFKA__HEARTBEAT_INTERVAL_MS", "500"),
        ("PROBE_VIRTUAL", "8"),
    ];
    let mut first = Probe::spawn(
        PROBE,
        &topic,
        &group,
        &[session[0], session[1], session[2], ("PROBE_SLEEP_MS", "2")],
    );
    first.wait_handled(700, Duration::from_secs(60)).await;
    first.signal("KILL");
    first.wait(Duration::from_secs(10)).await;
    let before = first.handled();
    assert!(before.len() < 3_000, "the kill lands mid-stream");
    let committed = committed_offsets(&group, &topic, 1)[0].unwrap_or(0);
    assert!(
        all_handled_below(&before, 0, committed),
        "committed {committed} passes an unhandled message"
    );

    let mut second = Probe::spawn(PROBE, &topic, &group, &session);
    let started = Instant::now();
    while committed_offsets(&group, &topic, 1) != vec![Some(3_000)] {
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "the restart did not catch up"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    second.signal("TERM");
    assert_eq!(second.wait(Duration::from_secs(30)).await.0, Some(0));
    let all: Vec<(i32, i64)> = before.iter().chain(&second.handled()).copied().collect();
    assert!(all_handled_below(&all, 0, 3_000), "a message was lost");
}
