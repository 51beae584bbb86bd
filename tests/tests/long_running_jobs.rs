//! Long-running jobs against the real broker: a job three times longer than
//! `max.poll.interval.ms` keeps its group membership (and without the flag the member leaves, as
//! Kafka's clients do); a partition revoked during a long job stays uncommitted by the old owner
//! while other partitions flow, under cooperative-sticky and KIP-848.

use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use karafka::routing::{Routes, Topic};
use karafka::{async_trait, Config, Consumer, Context, Shutdown, TopicPartition};
use karafka_integration_tests::*;

/// Holds the first message of the topic for `hold`, then handles everything at once.
struct Sleeper {
    log: Log,
    hold: Duration,
    held: Arc<AtomicBool>,
    revocations: Arc<AtomicUsize>,
}

#[async_trait]
impl Consumer for Sleeper {
    async fn consume(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        if !self.held.swap(true, Ordering::SeqCst) {
            tokio::time::sleep(self.hold).await;
        }
        for message in ctx.messages() {
            self.log.record(message, ctx.attempt());
        }
        Ok(())
    }

    async fn revoked(&mut self, _: &TopicPartition) -> anyhow::Result<()> {
        self.revocations.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

/// Short group timings so that a 4.5 s job is three times `max.poll.interval.ms`.
fn impatient(group: &str) -> Config {
    config(group)
        .kafka("session.timeout.ms", 1_000)
        .kafka("heartbeat.interval.ms", 300)
        .kafka("max.poll.interval.ms", 1_500)
}

async fn hold_first_message(long_running: bool) -> (Vec<i64>, usize, Vec<Option<i64>>) {
    let (topic, group) = (unique("long-job"), unique("long-job-group"));
    create_topic(&topic, 1).await;
    produce_to(&topic, 0, &["{}"]).await;
    let log = Log::default();
    let (held, revocations) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicUsize::new(0)),
    );
    let (consumer_log, consumer_held, consumer_revocations) =
        (log.clone(), Arc::clone(&held), Arc::clone(&revocations));
    let server = RunningServer::start(
        impatient(&group),
        Routes::new().topic(
            Topic::new(&topic)
                .long_running_job(long_running)
                .consumer_with(move || Sleeper {
                    log: consumer_log.clone(),
                    hold: Duration::from_millis(4_500),
                    held: Arc::clone(&consumer_held),
                    revocations: Arc::clone(&consumer_revocations),
                }),
        ),
    );
    while !held.load(Ordering::SeqCst) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The next message arrives while the job runs and must follow it.
    produce_to(&topic, 0, &["{}"]).await;
    log.wait_until(Duration::from_secs(60), "the next message", |h| {
        h.iter().any(|h| h.offset == 1)
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(matches!(server.stop().await, Shutdown::Graceful));
    let handled = log.snapshot().iter().map(|h| h.offset).collect();
    (
        handled,
        revocations.load(Ordering::SeqCst),
        committed_offsets(&group, &topic, 1),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_running_job_outlives_max_poll_interval_without_leaving_the_group() {
    logs();
    let (handled, revocations, committed) = hold_first_message(true).await;
    assert_eq!(handled, vec![0, 1]);
    assert_eq!(
        revocations, 0,
        "no revocation while the job ran (shutdown runs the shutdown hook)"
    );
    assert_eq!(committed, vec![Some(2)]);

    // Without the flag the member leaves after max.poll.interval.ms: the job's result is not
    // committed and the message is consumed again after the member rejoined.
    let (handled, revocations, committed) = hold_first_message(false).await;
    assert_eq!(
        handled,
        vec![0, 0, 1],
        "the overdue job's message ran again"
    );
    assert!(revocations >= 1, "revoked when the member left");
    assert_eq!(committed, vec![Some(2)]);
}

/// A held partition's job: partition, whether it saw `revoked()`, whether its mark was taken.
type Outcome = (i32, (bool, bool));

/// Partitions below this get a long job on their first message; the others flow.
const HELD: i32 = 3;

/// Holds the first message of each held partition until the partition is revoked or `release`
/// is set, then marks it and records whether the mark was taken.
#[derive(Clone)]
struct Holder {
    log: Log,
    held: Arc<Mutex<HashSet<i32>>>,
    release: Arc<AtomicBool>,
    outcomes: Arc<Mutex<BTreeMap<i32, (bool, bool)>>>,
}

#[async_trait]
impl Consumer for Holder {
    async fn consume(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        let partition = ctx.partition();
        if partition < HELD && self.held.lock().unwrap().insert(partition) {
            let started = Instant::now();
            while !ctx.revoked()
                && !self.release.load(Ordering::SeqCst)
                && started.elapsed() < Duration::from_secs(60)
            {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            let last = ctx.messages().last().unwrap();
            let marked = ctx.mark_as_consumed(last);
            self.outcomes
                .lock()
                .unwrap()
                .insert(partition, (ctx.revoked(), marked));
            return Ok(());
        }
        for message in ctx.messages() {
            self.log.record(message, ctx.attempt());
        }
        Ok(())
    }
}

async fn revoked_during_a_long_job(protocol: (&str, &str)) {
    let (topic, group) = (unique("long-revoked"), unique("long-revoked-group"));
    create_topic(&topic, HELD + 1).await;
    for partition in 0..HELD {
        produce_to(&topic, partition, &["{}"]).await;
    }
    let holder = Holder {
        log: Log::default(),
        held: Arc::default(),
        release: Arc::default(),
        outcomes: Arc::default(),
    };
    let start = || {
        let holder = holder.clone();
        RunningServer::start(
            config(&group).kafka(protocol.0, protocol.1),
            Routes::new().topic(
                Topic::new(&topic)
                    .long_running_job(true)
                    .consumer_with(move || holder.clone()),
            ),
        )
    };
    let first = start();
    while holder.held.lock().unwrap().len() < HELD as usize {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The last partition flows while the long jobs run.
    produce_to(&topic, HELD, &["{}", "{}"]).await;
    holder
        .log
        .wait_until(Duration::from_secs(30), "the flowing partition", |h| {
            h.iter().filter(|h| h.partition == HELD).count() == 2
        })
        .await;

    // A second member takes half of the partitions, so at least one held one moves.
    let second = start();
    let started = Instant::now();
    while holder.outcomes.lock().unwrap().is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no held partition moved to the second member"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Give a second revocation of the same rebalance time to land before releasing the rest.
    tokio::time::sleep(Duration::from_millis(500)).await;
    holder.release.store(true, Ordering::SeqCst);
    let (moved, kept): (Vec<Outcome>, Vec<Outcome>) = loop {
        let outcomes = holder.outcomes.lock().unwrap().clone();
        if outcomes.len() == HELD as usize {
            break outcomes.into_iter().partition(|(_, (revoked, _))| *revoked);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(!moved.is_empty());
    for (partition, (_, marked)) in &moved {
        assert!(
            !marked,
            "partition {partition}: revoked() seen, the old owner's mark refused"
        );
        holder
            .log
            .wait_until(
                Duration::from_secs(60),
                "the moved message, from the committed offset",
                |h| h.iter().any(|h| h.partition == *partition && h.offset == 0),
            )
            .await;
    }
    for (partition, (_, marked)) in &kept {
        assert!(marked, "partition {partition}'s job finished and marked");
    }
    assert!(matches!(first.stop().await, Shutdown::Graceful));
    assert!(matches!(second.stop().await, Shutdown::Graceful));
    assert_eq!(
        committed_offsets(&group, &topic, HELD + 1),
        vec![Some(1), Some(1), Some(1), Some(2)]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partition_revoked_during_a_long_job_under_cooperative_sticky() {
    revoked_during_a_long_job(("partition.assignment.strategy", "cooperative-sticky")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partition_revoked_during_a_long_job_under_kip_848() {
    revoked_during_a_long_job(("group.protocol", "consumer")).await;
}
