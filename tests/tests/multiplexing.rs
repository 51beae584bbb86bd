//! Multiplexing against the real broker: a subscription group on three connections is three
//! members of its consumer group sharing six partitions; every message is handled once and in
//! order per partition; each connection reports under its own name (events, status, running
//! jobs, metrics); a member of another process joining and leaving rebalances the connections
//! cleanly; the stop commits everything.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use karafka::config::MetricsConfig;
use karafka::instrumentation::Event;
use karafka::routing::{Multiplexing, Routes, SubscriptionGroup, Topic};
use karafka::{async_trait, App, Config, Consumer, Context, Shutdown};
use karafka_integration_tests::*;

const PARTITIONS: i32 = 6;
const CONNECTIONS: usize = 3;
const WAVE: usize = 600;

/// Records what it handles; each batch takes `pause` so running jobs can be observed.
struct Recorder {
    log: Log,
    pause: Duration,
}

#[async_trait]
impl Consumer for Recorder {
    async fn consume(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        tokio::time::sleep(self.pause).await;
        for message in ctx.messages() {
            self.log.record(message, ctx.attempt());
        }
        Ok(())
    }
}

/// `topic` consumed by a recorder into `log`, in subscription group `fast` on `connections`
/// connections.
fn routes(topic: &str, log: &Log, connections: usize, pause: Duration) -> Routes {
    let log = log.clone();
    Routes::new().subscription_group(
        SubscriptionGroup::new("fast")
            .multiplexing(Multiplexing::new().connections(connections))
            .topic(Topic::new(topic).consumer_with(move || Recorder {
                log: log.clone(),
                pause,
            })),
    )
}

/// The names the connections of subscription group `fast` of `group` report under.
fn connection_names(group: &str) -> BTreeSet<String> {
    (1..=CONNECTIONS)
        .map(|n| format!("{group}/fast#{n}"))
        .collect()
}

/// How many members `group` has once it is stable.
fn members(group: &str) -> Option<usize> {
    stable_group_members(group).map(|members| members.len())
}

/// Waits until `group` is stable with `count` members.
async fn settle(group: &str, count: usize) {
    wait_for(
        Duration::from_secs(60),
        &format!("{count} stable members"),
        || members(group) == Some(count),
    )
    .await;
}

/// Produces a wave of keyed messages and waits until `log` has every message of `topic` so far;
/// returns the partitions' ends.
async fn wave(topic: &str, log: &Log, what: &str) -> Vec<i64> {
    produce_keyed(topic, WAVE, 60).await;
    let ends = end_offsets(topic, PARTITIONS);
    log.wait_until(Duration::from_secs(60), what, |h| covers(h, &ends))
        .await;
    ends
}

/// Whether every offset below each partition's end appears in `handled`.
fn covers(handled: &[Handled], ends: &[i64]) -> bool {
    let handled: Vec<(i32, i64)> = handled.iter().map(|h| (h.partition, h.offset)).collect();
    (0..PARTITIONS).all(|p| all_handled_below(&handled, p, ends[p as usize]))
}

/// Which partitions each connection holds after these rebalance events.
fn holdings(events: &[Event]) -> BTreeMap<String, BTreeSet<i32>> {
    let mut held: BTreeMap<String, BTreeSet<i32>> = BTreeMap::new();
    for event in events {
        match event {
            Event::PartitionsAssigned { group, partitions } => held
                .entry(group.clone())
                .or_default()
                .extend(partitions.iter().map(|p| p.partition)),
            Event::PartitionsRevoked { group, partitions }
            | Event::PartitionsLost { group, partitions } => {
                let owned = held.entry(group.clone()).or_default();
                for partition in partitions {
                    owned.remove(&partition.partition);
                }
            }
            _ => {}
        }
    }
    held
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_connections_are_three_members_sharing_the_partitions() {
    logs();
    let (topic, group) = topic_and_group("multiplexing", PARTITIONS).await;
    let address = free_address();
    let config = Config {
        metrics: MetricsConfig {
            enabled: true,
            address: address.clone(),
            ..MetricsConfig::default()
        },
        ..config(&group)
    };
    let events = Events::default();
    let log = Log::default();
    let app = App::builder()
        .config(config)
        .listener(events.listener())
        .routes(routes(&topic, &log, CONNECTIONS, Duration::from_millis(50)))
        .build()
        .expect("valid app");
    let server = app.server();
    let readiness = server.readiness();
    let server = server.start().await.expect("started");
    settle(&group, CONNECTIONS).await;
    wait_for(Duration::from_secs(30), "every connection ready", || {
        readiness.is_ready()
    })
    .await;

    // Running jobs name their connection (the SIGTTIN dump and the web reporter read them).
    let seen_jobs = Arc::new(Mutex::new(BTreeSet::new()));
    let watcher = tokio::spawn({
        let control = server.control().clone();
        let seen_jobs = Arc::clone(&seen_jobs);
        async move {
            loop {
                let names = control
                    .status()
                    .jobs
                    .into_iter()
                    .map(|job| job.subscription);
                seen_jobs
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .extend(names.map(|name| name.to_string()));
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
    });
    let ends = wave(&topic, &log, "every message handled").await;
    assert_eq!(ends.iter().sum::<i64>() as usize, WAVE);
    watcher.abort();

    // No rebalance after the members settled: every message once, in order per partition.
    for (partition, offsets) in log.offsets_by_partition() {
        assert_eq!(
            offsets,
            (0..ends[partition as usize]).collect::<Vec<_>>(),
            "partition {partition}: each message once, in order"
        );
    }

    let names = connection_names(&group);
    let status = server.control().status();
    let owned: BTreeMap<String, BTreeSet<i32>> = status
        .groups
        .iter()
        .map(|connection| {
            let partitions = connection.partitions.iter();
            (
                connection.name.clone(),
                partitions.map(|p| p.partition.partition).collect(),
            )
        })
        .collect();
    assert_eq!(owned.keys().cloned().collect::<BTreeSet<_>>(), names);
    assert!(
        owned.values().all(|partitions| partitions.len() == 2),
        "Kafka spreads six partitions over three members: {owned:?}"
    );
    let all: BTreeSet<i32> = owned.values().flatten().copied().collect();
    assert_eq!(all, (0..PARTITIONS).collect());
    assert!(status
        .groups
        .iter()
        .all(|connection| connection.consumer_group == group && connection.joined));
    assert_eq!(
        holdings(&events.snapshot()),
        owned,
        "the rebalance events name each connection"
    );
    let jobs = seen_jobs
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    assert!(
        !jobs.is_empty() && jobs.is_subset(&names),
        "running jobs name their connection: {jobs:?}"
    );

    let Some((200, scraped)) = http_get(&address, "/metrics").await else {
        panic!("the metrics endpoint answers");
    };
    for name in &names {
        assert!(
            scraped.contains(&format!("group=\"{name}\"")),
            "/metrics has series of {name}"
        );
    }

    assert!(matches!(
        server.stop().await.expect("stopped"),
        Shutdown::Graceful
    ));
    assert_eq!(
        committed_offsets(&group, &topic, PARTITIONS),
        ends.iter().map(|&end| Some(end)).collect::<Vec<_>>(),
        "the stop commits every connection's offsets"
    );
}

/// A multiplexed server and a plain member of another app in one group: B joins and leaves,
/// and the partitions move between the four members without a message handled twice or out of
/// order.
async fn another_member_joins_and_leaves(protocol: &[(&str, &str)]) {
    logs();
    let (topic, group) = topic_and_group("multiplexing-rebalance", PARTITIONS).await;
    let settings = protocol
        .iter()
        .fold(config(&group), |config, (key, value)| {
            config.kafka(*key, *value)
        });
    let log = Log::default();
    let a = RunningServer::start(
        settings.clone(),
        routes(&topic, &log, CONNECTIONS, Duration::ZERO),
    );
    settle(&group, CONNECTIONS).await;
    wave(&topic, &log, "the first wave").await;

    let b = RunningServer::start(settings, routes(&topic, &log, 1, Duration::ZERO));
    settle(&group, CONNECTIONS + 1).await;
    wave(&topic, &log, "the second wave, B in the group").await;

    assert!(matches!(b.stop().await, Shutdown::Graceful));
    settle(&group, CONNECTIONS).await;
    let ends = wave(&topic, &log, "the third wave, B gone").await;
    assert!(matches!(a.stop().await, Shutdown::Graceful));

    assert_eq!(ends.iter().sum::<i64>() as usize, 3 * WAVE);
    // The log is in the order messages were handled, by whichever member held the partition.
    for (partition, offsets) in log.offsets_by_partition() {
        assert_eq!(
            offsets,
            (0..ends[partition as usize]).collect::<Vec<_>>(),
            "partition {partition}: each message once, in order, across the handovers"
        );
    }
    assert_eq!(
        committed_offsets(&group, &topic, PARTITIONS),
        ends.iter().map(|&end| Some(end)).collect::<Vec<_>>()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_member_joining_and_leaving_rebalances_the_connections_eager() {
    another_member_joins_and_leaves(&[]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_member_joining_and_leaving_rebalances_the_connections_cooperative() {
    another_member_joins_and_leaves(&[("partition.assignment.strategy", "cooperative-sticky")])
        .await;
}
