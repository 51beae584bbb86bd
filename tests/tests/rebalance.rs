//! Two members of one group split the partitions; when one leaves, the other resumes its
//! partitions exactly at the committed offsets. Under eager, cooperative-sticky and KIP-848.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use karafka::routing::{Routes, Topic};
use karafka::{async_trait, Config, Consumer, Context, Shutdown, TopicPartition};
use karafka_integration_tests::*;

const PARTITIONS: i32 = 4;
const WAVE: usize = 400;

/// How often a member's `revoked` and `shutdown` hooks ran.
#[derive(Default)]
struct Hooks {
    revoked: AtomicUsize,
    shutdown: AtomicUsize,
}

struct Member {
    log: Log,
    hooks: Arc<Hooks>,
}

#[async_trait]
impl Consumer for Member {
    async fn consume(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        for message in ctx.messages() {
            self.log.record(message, ctx.attempt());
        }
        Ok(())
    }

    async fn revoked(&mut self, _: &TopicPartition) -> anyhow::Result<()> {
        self.hooks.revoked.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    async fn shutdown(&mut self, _: &TopicPartition) -> anyhow::Result<()> {
        self.hooks.shutdown.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

fn member(config: Config, topic: &str) -> (RunningServer, Log, Arc<Hooks>) {
    let log = Log::default();
    let hooks = Arc::new(Hooks::default());
    let (consumer_log, consumer_hooks) = (log.clone(), Arc::clone(&hooks));
    let server = RunningServer::start(
        config,
        Routes::new().topic(Topic::new(topic).consumer_with(move || Member {
            log: consumer_log.clone(),
            hooks: Arc::clone(&consumer_hooks),
        })),
    );
    (server, log, hooks)
}

/// Offsets handled per partition by both members together.
fn union(a: &Log, b: &Log) -> BTreeMap<i32, Vec<i64>> {
    let mut all = a.offsets_by_partition();
    for (partition, offsets) in b.offsets_by_partition() {
        all.entry(partition).or_default().extend(offsets);
    }
    all
}

async fn split_and_hand_over(protocol: &[(&str, &str)]) {
    logs();
    let topic = unique("rebalance");
    let group = unique("rebalance-group");
    create_topic(&topic, PARTITIONS).await;
    let settings = protocol
        .iter()
        .fold(config(&group), |config, (key, value)| {
            config.kafka(*key, *value)
        });

    let (a, a_log, a_hooks) = member(settings.clone(), &topic);
    produce_keyed(&topic, WAVE, 40).await;
    a_log
        .wait_until(Duration::from_secs(60), "first wave by A", |h| {
            h.len() >= WAVE
        })
        .await;

    // B joins: keep producing until B owns partitions and both members consume.
    let (b, b_log, _) = member(settings, &topic);
    let mut produced = WAVE;
    while b_log.is_empty() {
        produce_keyed(&topic, 40, 40).await;
        produced += 40;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let a_before = a_log.len();
    produce_keyed(&topic, WAVE, 40).await;
    produced += WAVE;
    let ends = end_offsets(&topic, PARTITIONS);
    let covered = |a: &Log, b: &Log, ends: &[i64]| {
        let all = union(a, b);
        (0..PARTITIONS).all(|p| {
            all.get(&p)
                .is_some_and(|offsets| (0..ends[p as usize]).all(|o| offsets.contains(&o)))
        })
    };
    wait_for(Duration::from_secs(60), "every offset handled", || {
        covered(&a_log, &b_log, &ends)
    })
    .await;
    assert!(a_log.len() > a_before, "A still consumes after B joined");
    // The hook of a handover is `revoked`, never `shutdown` (a race once ran the wrong one).
    assert!(
        a_hooks.revoked.load(Ordering::SeqCst) > 0,
        "A's revoked hook ran"
    );
    assert_eq!(
        a_hooks.shutdown.load(Ordering::SeqCst),
        0,
        "A's shutdown hook ran before A stopped"
    );

    // B leaves gracefully; A takes B's partitions over from the committed offsets.
    let b_partitions: Vec<i32> = b_log.offsets_by_partition().keys().copied().collect();
    assert!(matches!(b.stop().await, Shutdown::Graceful));
    let committed = committed_offsets(&group, &topic, PARTITIONS);
    let a_mark = a_log.len();
    produce_keyed(&topic, WAVE, 40).await;
    produced += WAVE;
    let ends = end_offsets(&topic, PARTITIONS);
    assert_eq!(ends.iter().sum::<i64>() as usize, produced);
    wait_for(Duration::from_secs(60), "every offset handled", || {
        covered(&a_log, &b_log, &ends)
    })
    .await;
    assert!(matches!(a.stop().await, Shutdown::Graceful));

    let after_handover = &a_log.snapshot()[a_mark..];
    for partition in b_partitions {
        let resumed: Vec<i64> = after_handover
            .iter()
            .filter(|h| h.partition == partition)
            .map(|h| h.offset)
            .collect();
        let from = committed[partition as usize].expect("B committed its partition");
        assert_eq!(
            resumed,
            (from..ends[partition as usize]).collect::<Vec<_>>(),
            "partition {partition}: A resumes exactly at B's committed offset"
        );
    }
    assert_eq!(
        committed_offsets(&group, &topic, PARTITIONS),
        ends.iter().map(|&e| Some(e)).collect::<Vec<_>>()
    );
    for (partition, offsets) in union(&a_log, &b_log) {
        let unique: std::collections::BTreeSet<i64> = offsets.iter().copied().collect();
        assert_eq!(
            unique.len(),
            offsets.len(),
            "partition {partition}: a graceful rebalance redoes nothing"
        );
    }
}

/// Takes a second per batch, so a batch is in flight when the group rebalances.
struct Slow(Log);

#[async_trait]
impl Consumer for Slow {
    async fn consume(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        tokio::time::sleep(Duration::from_millis(1_000)).await;
        for message in ctx.messages() {
            self.0.record(message, ctx.attempt());
        }
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_in_flight_at_a_rebalance_finishes_and_is_committed_before_the_handover() {
    let topic = unique("graceful");
    let group = unique("graceful-group");
    create_topic(&topic, 2).await;
    let log = Log::default();
    let start = || {
        let log = log.clone();
        RunningServer::start(
            config(&group),
            Routes::new().topic(Topic::new(&topic).consumer_with(move || Slow(log.clone()))),
        )
    };
    let first = start();
    produce_keyed(&topic, 200, 20).await;
    // Wait until a batch is in flight, then make the (eager) group rebalance everything.
    log.wait_until(Duration::from_secs(30), "the first batch", |h| {
        !h.is_empty()
    })
    .await;
    produce_keyed(&topic, 200, 20).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let second = start();
    let ends = end_offsets(&topic, 2);
    log.wait_until(Duration::from_secs(60), "every message", |h| {
        (0..2).all(|p| {
            (0..ends[p as usize]).all(|o| h.iter().any(|h| h.partition == p && h.offset == o))
        })
    })
    .await;
    assert!(matches!(first.stop().await, Shutdown::Graceful));
    assert!(matches!(second.stop().await, Shutdown::Graceful));
    let handled = log.offsets_by_partition();
    for (partition, offsets) in &handled {
        let unique: std::collections::BTreeSet<i64> = offsets.iter().copied().collect();
        assert_eq!(
            unique.len(),
            offsets.len(),
            "partition {partition}: nothing handled twice"
        );
    }
}

/// How many members the coordinator lists for `group` once it is stable.
fn members(group: &str) -> Option<usize> {
    stable_group_members(group).map(|members| members.len())
}

/// librdkafka's close sends no LeaveGroup for a cooperative-sticky member that owns no
/// partitions, so the coordinator kept it until `session.timeout.ms` and every rebalance of
/// the group waited for it (found by the reliability suite's storm-cooperative scenario).
/// The runtime unsubscribes before closing, so the idle member leaves at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_cooperative_member_leaves_its_group_at_shutdown() {
    logs();
    let topic = unique("idle-leave");
    let group = unique("idle-leave-group");
    create_topic(&topic, 1).await;
    // Longer than `wait` waits: only a LeaveGroup removes the member in time.
    let settings = config(&group)
        .kafka("partition.assignment.strategy", "cooperative-sticky")
        .kafka("session.timeout.ms", "90000");
    let (a, a_log, _) = member(settings.clone(), &topic);
    produce_keyed(&topic, 10, 2).await;
    a_log
        .wait_until(Duration::from_secs(60), "A consumes", |h| h.len() >= 10)
        .await;
    let (b, b_log, _) = member(settings, &topic);
    wait_for(Duration::from_secs(60), "two stable members", || {
        members(&group) == Some(2)
    })
    .await;

    assert!(matches!(b.stop().await, Shutdown::Graceful));
    assert!(b_log.is_empty(), "B owned no partition");
    wait_for(Duration::from_secs(60), "one stable member", || {
        members(&group) == Some(1)
    })
    .await;
    assert!(matches!(a.stop().await, Shutdown::Graceful));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eager() {
    split_and_hand_over(&[]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cooperative_sticky() {
    split_and_hand_over(&[("partition.assignment.strategy", "cooperative-sticky")]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kip_848_consumer_protocol() {
    split_and_hand_over(&[("group.protocol", "consumer")]).await;
}
