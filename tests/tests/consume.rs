//! A clean run: every message consumed once, in order per partition, committed; one consumer
//! instance per partition with its hooks; per-topic settings respected.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use karafka::config::InitialOffset;
use karafka::routing::{Routes, Topic};
use karafka::{async_trait, Consumer, Context, Shutdown, TopicPartition};
use karafka_integration_tests::*;

#[derive(Clone, Default)]
struct Observed {
    /// (partition, instance, batch size) per consume call.
    batches: Arc<Mutex<Vec<(i32, usize, usize)>>>,
    initialized: Arc<Mutex<Vec<TopicPartition>>>,
    shut_down: Arc<Mutex<Vec<TopicPartition>>>,
}

struct Recording {
    log: Log,
    observed: Observed,
    instance: usize,
}

#[async_trait]
impl Consumer for Recording {
    async fn consume(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        self.observed.batches.lock().unwrap().push((
            ctx.partition(),
            self.instance,
            ctx.messages().len(),
        ));
        for message in ctx.messages() {
            let _: serde_json::Value = message.payload()?;
            self.log.record(message, ctx.attempt());
        }
        Ok(())
    }

    async fn initialized(&mut self, partition: &TopicPartition) -> anyhow::Result<()> {
        self.observed
            .initialized
            .lock()
            .unwrap()
            .push(partition.clone());
        Ok(())
    }

    async fn shutdown(&mut self, partition: &TopicPartition) -> anyhow::Result<()> {
        self.observed
            .shut_down
            .lock()
            .unwrap()
            .push(partition.clone());
        Ok(())
    }
}

fn recording(log: &Log, observed: &Observed) -> impl Fn() -> Recording + Send + Sync + 'static {
    let (log, observed) = (log.clone(), observed.clone());
    let instances = Arc::new(AtomicUsize::new(0));
    move || Recording {
        log: log.clone(),
        observed: observed.clone(),
        instance: instances.fetch_add(1, Ordering::SeqCst),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_message_is_consumed_once_in_partition_order_and_committed() {
    logs();
    let topic = unique("clean-run");
    let group = unique("clean-run-group");
    create_topic(&topic, 4).await;
    produce_keyed(&topic, 2_000, 40).await;

    let (log, observed) = (Log::default(), Observed::default());
    let server = RunningServer::start(
        config(&group),
        Routes::new().topic(
            Topic::new(&topic)
                .max_messages(37)
                .consumer_with(recording(&log, &observed)),
        ),
    );
    log.wait_until(Duration::from_secs(60), "2000 messages", |handled| {
        handled.len() >= 2_000
    })
    .await;
    let ends = end_offsets(&topic, 4);
    assert_eq!(ends.iter().sum::<i64>(), 2_000);
    // The runtime reports each commit the broker acknowledged, up to the partitions' ends.
    let reported = || acknowledged_commits(&topic);
    let all_ends: BTreeMap<i32, i64> = (0..4).zip(ends.iter().copied()).collect();
    let started = std::time::Instant::now();
    while reported() != all_ends {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "acknowledged commits reported: {:?}, ends {all_ends:?}",
            reported()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(matches!(server.stop().await, Shutdown::Graceful));

    let by_partition = log.offsets_by_partition();
    for (partition, end) in ends.iter().enumerate() {
        let expected: Vec<i64> = (0..*end).collect();
        assert_eq!(
            by_partition[&(partition as i32)],
            expected,
            "partition {partition}: each offset once, in order"
        );
    }
    let committed = committed_offsets(&group, &topic, 4);
    assert_eq!(
        committed,
        ends.iter().map(|&end| Some(end)).collect::<Vec<_>>()
    );

    let batches = observed.batches.lock().unwrap().clone();
    assert!(
        batches.iter().all(|(_, _, size)| (1..=37).contains(size)),
        "max_messages holds"
    );
    let mut instances: BTreeMap<i32, BTreeSet<usize>> = BTreeMap::new();
    for (partition, instance, _) in batches {
        instances.entry(partition).or_default().insert(instance);
    }
    assert!(
        instances.values().all(|set| set.len() == 1),
        "one instance per partition: {instances:?}"
    );
    let all: BTreeSet<usize> = instances.values().flatten().copied().collect();
    assert_eq!(all.len(), 4, "partitions do not share instances");
    let mut initialized = observed.initialized.lock().unwrap().clone();
    let mut shut_down = observed.shut_down.lock().unwrap().clone();
    initialized.sort();
    shut_down.sort();
    let partitions: Vec<TopicPartition> = (0..4).map(|p| TopicPartition::new(&topic, p)).collect();
    assert_eq!(initialized, partitions, "initialized once per partition");
    assert_eq!(shut_down, partitions, "shutdown hook once per partition");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn initial_offset_latest_skips_the_backlog_and_inactive_topics_are_not_consumed() {
    let topic = unique("latest");
    let inactive = unique("inactive");
    let group = unique("latest-group");
    create_topic(&topic, 1).await;
    create_topic(&inactive, 1).await;
    produce_to(&topic, 0, &["{}", "{}", "{}"]).await;
    produce_to(&inactive, 0, &["{}"]).await;

    let (log, observed) = (Log::default(), Observed::default());
    let server = RunningServer::start(
        config(&group),
        Routes::new()
            .topic(
                Topic::new(&topic)
                    .initial_offset(InitialOffset::Latest)
                    .consumer_with(recording(&log, &observed)),
            )
            .topic(
                Topic::new(&inactive)
                    .active(false)
                    .consumer_with(recording(&log, &observed)),
            ),
    );
    // The group starts at the end some time after joining; produce until something arrives.
    while log.is_empty() {
        produce_to(&topic, 0, &["{}"]).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(matches!(server.stop().await, Shutdown::Graceful));
    let handled = log.snapshot();
    assert!(
        handled.iter().all(|h| h.offset >= 3),
        "the backlog was skipped: {handled:?}"
    );
    assert_eq!(committed_offsets(&group, &inactive, 1), vec![None]);
    assert!(observed
        .initialized
        .lock()
        .unwrap()
        .iter()
        .all(|partition| partition.topic == topic));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pattern_route_consumes_matching_topics_including_ones_created_later() {
    let prefix = unique("pattern");
    let group = unique("pattern-group");
    let (early, late) = (format!("{prefix}-early"), format!("{prefix}-late"));
    create_topic(&early, 1).await;
    produce_to(&early, 0, &["{}"]).await;

    let (log, observed) = (Log::default(), Observed::default());
    let server = RunningServer::start(
        config(&group).kafka("topic.metadata.refresh.interval.ms", 1_000),
        Routes::new().topic(
            Topic::pattern(format!("{}-.*", prefix.replace('.', "\\.")))
                .consumer_with(recording(&log, &observed)),
        ),
    );
    log.wait_until(Duration::from_secs(30), "the early topic", |h| h.len() == 1)
        .await;
    create_topic(&late, 1).await;
    produce_to(&late, 0, &["{}", "{}"]).await;
    log.wait_until(Duration::from_secs(30), "the late topic", |h| h.len() == 3)
        .await;
    assert!(matches!(server.stop().await, Shutdown::Graceful));
    let mut topics: Vec<String> = observed
        .initialized
        .lock()
        .unwrap()
        .iter()
        .map(|p| p.topic.clone())
        .collect();
    topics.sort();
    // The new topic changes the subscription: an eager rebalance re-assigns the early one too.
    topics.dedup();
    assert_eq!(topics, vec![early, late]);
}
