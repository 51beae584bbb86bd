//! Topics as they exist in production: written by a transactional producer, growing new
//! partitions, holding tombstones; and a job longer than the rebalance timeout at a rebalance.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use karafka::admin::{Admin, SeekTarget};
use karafka::routing::{Routes, Topic, TopicConfig};
use karafka::{async_trait, Config, Consumer, Context, Record, Shutdown};
use karafka_integration_tests::*;
use rdkafka::producer::{BaseProducer, BaseRecord, Producer as _};
use rdkafka::ClientConfig;
use serde::Deserialize;

/// Shared with test consumers: what they were handed, in order.
type Seen<T> = Arc<Mutex<Vec<T>>>;

/// Records every message it is handed, with its payload.
struct Recording {
    log: Log,
    payloads: Seen<(i32, i64, serde_json::Value)>,
}

#[async_trait]
impl Consumer for Recording {
    async fn consume(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        for message in ctx.messages() {
            let payload: serde_json::Value = message.payload()?;
            self.payloads.lock().expect("payloads").push((
                message.partition(),
                message.offset(),
                payload,
            ));
            self.log.record(message, ctx.attempt());
        }
        Ok(())
    }
}

/// Writes `transactions` transactions of `per_transaction` records to each of `partitions`,
/// committing the even ones and aborting the odd ones, with Kafka's transactional producer.
fn produce_transactions(topic: &str, partitions: i32, transactions: usize, per_transaction: usize) {
    let producer: BaseProducer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap_servers())
        .set("transactional.id", unique("txn-producer"))
        .create()
        .expect("transactional producer");
    let timeout = Duration::from_secs(30);
    producer
        .init_transactions(timeout)
        .expect("init transactions");
    for transaction in 0..transactions {
        let committed = transaction % 2 == 0;
        producer.begin_transaction().expect("begin transaction");
        for partition in 0..partitions {
            for n in 0..per_transaction {
                let payload = serde_json::json!({
                    "transaction": transaction,
                    "committed": committed,
                    "n": n,
                })
                .to_string();
                producer
                    .send(
                        BaseRecord::<(), str>::to(topic)
                            .partition(partition)
                            .payload(&payload),
                    )
                    .map_err(|(error, _)| error)
                    .expect("record queued");
            }
        }
        if committed {
            producer.commit_transaction(timeout).expect("commit");
        } else {
            producer.flush(timeout).expect("flush");
            producer.abort_transaction(timeout).expect("abort");
        }
    }
}

/// The group's committed offsets reach the log end on a topic whose every partition ends with
/// transaction markers (and aborted records), so its lag reads 0; no aborted record is handled.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transaction_markers_leave_no_lag() {
    logs();
    let topic = unique("transactional");
    let group = unique("transactional-group");
    const PARTITIONS: i32 = 2;
    create_topic(&topic, PARTITIONS).await;
    // Committed, aborted, committed, aborted, committed, aborted: the log ends on an abort.
    let blocking_topic = topic.clone();
    tokio::task::spawn_blocking(move || produce_transactions(&blocking_topic, PARTITIONS, 6, 5))
        .await
        .expect("transactions written");

    let log = Log::default();
    let payloads = Arc::default();
    let server = {
        let (log, payloads) = (log.clone(), Arc::clone(&payloads));
        RunningServer::start(
            config(&group),
            Routes::new().topic(Topic::new(&topic).consumer_with(move || Recording {
                log: log.clone(),
                payloads: Arc::clone(&payloads),
            })),
        )
    };
    // Three committed transactions of five records on each partition.
    log.wait_until(Duration::from_secs(60), "every committed record", |h| {
        h.len() >= 30
    })
    .await;
    let ends = end_offsets(&topic, PARTITIONS);
    let at_end = ends.iter().map(|&end| Some(end)).collect::<Vec<_>>();
    wait_for(
        Duration::from_secs(30),
        "the committed offsets to reach the log end",
        || committed_offsets(&group, &topic, PARTITIONS) == at_end,
    )
    .await;
    let admin = Admin::new(&config("admin")).expect("admin");
    let lag = admin.lag(&group, &topic).await.expect("lag");
    assert!(lag.iter().all(|partition| partition.lag == 0), "{lag:?}");
    assert!(matches!(server.stop().await, Shutdown::Graceful));
    assert_eq!(committed_offsets(&group, &topic, PARTITIONS), at_end);

    let payloads = payloads.lock().expect("payloads").clone();
    assert_eq!(
        payloads.len(),
        30,
        "each committed record once: {payloads:?}"
    );
    assert!(
        payloads.iter().all(|(_, _, p)| p["committed"] == true),
        "an aborted record was handled: {payloads:?}"
    );
    let distinct: BTreeSet<(i32, i64)> = payloads.iter().map(|(p, o, _)| (*p, *o)).collect();
    assert_eq!(distinct.len(), 30);
    for (partition, end) in ends.iter().enumerate() {
        let last_handled = distinct
            .iter()
            .filter(|(p, _)| *p == partition as i32)
            .map(|(_, o)| *o)
            .max()
            .expect("records handled");
        assert!(
            last_handled + 1 < *end,
            "partition {partition}: the log ends with markers past the last record"
        );
    }
}

/// Lag as `read_committed` consumers see it: records of a transaction still open are not lag (a
/// consumer cannot read them yet), and they never count once the transaction is aborted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_open_transaction_is_not_lag() {
    let topic = unique("open-transaction");
    let group = unique("open-transaction-group");
    create_topic(&topic, 1).await;
    produce_to(&topic, 0, &["1", "2"]).await;
    let admin = Admin::new(&config("admin")).expect("admin");
    admin
        .seek_consumer_group(&group, &topic, SeekTarget::Latest)
        .await
        .expect("group at the end");

    let open_topic = topic.clone();
    let producer = tokio::task::spawn_blocking(move || {
        let producer: BaseProducer = ClientConfig::new()
            .set("bootstrap.servers", bootstrap_servers())
            .set("transactional.id", unique("open-txn"))
            .create()
            .expect("transactional producer");
        let timeout = Duration::from_secs(30);
        producer.init_transactions(timeout).expect("init");
        producer.begin_transaction().expect("begin");
        for payload in ["3", "4", "5"] {
            producer
                .send(
                    BaseRecord::<(), str>::to(&open_topic)
                        .partition(0)
                        .payload(payload),
                )
                .map_err(|(error, _)| error)
                .expect("queued");
        }
        producer.flush(timeout).expect("flushed, not committed");
        producer
    })
    .await
    .expect("transaction open");

    let lag = admin.lag(&group, &topic).await.expect("lag");
    assert_eq!(lag[0].committed, Some(2));
    assert_eq!(lag[0].lag, 0, "open transaction counted as lag: {lag:?}");
    tokio::task::spawn_blocking(move || {
        producer
            .abort_transaction(Duration::from_secs(30))
            .expect("aborted")
    })
    .await
    .expect("abort");
}

async fn added_partitions_are_consumed(protocol: &[(&str, &str)]) {
    logs();
    let topic = unique("growing");
    let group = unique("growing-group");
    create_topic(&topic, 2).await;
    // Default metadata settings: only the protocol differs.
    let settings = protocol
        .iter()
        .fold(config(&group), |config, (key, value)| {
            config.kafka(*key, *value)
        });
    let log = Log::default();
    let payloads = Arc::default();
    let server = {
        let (log, payloads) = (log.clone(), Arc::clone(&payloads));
        RunningServer::start(
            settings,
            Routes::new().topic(Topic::new(&topic).consumer_with(move || Recording {
                log: log.clone(),
                payloads: Arc::clone(&payloads),
            })),
        )
    };
    for partition in 0..2 {
        produce_to(&topic, partition, &["1", "2"]).await;
    }
    log.wait_until(Duration::from_secs(60), "the first partitions", |h| {
        h.len() >= 4
    })
    .await;

    let admin = Admin::new(&config("admin")).expect("admin");
    admin
        .create_partitions(&topic, 4)
        .await
        .expect("partitions added");
    for partition in 2..4 {
        produce_to(&topic, partition, &["3", "4", "5"]).await;
    }
    // The documented bound: topic.metadata.refresh.interval.ms (10 s) plus a rebalance.
    log.wait_until(
        Duration::from_secs(45),
        "the messages of the added partitions",
        |handled| {
            (2..4).all(|partition| handled.iter().filter(|h| h.partition == partition).count() == 3)
        },
    )
    .await;
    let at_end: Vec<Option<i64>> = end_offsets(&topic, 4).into_iter().map(Some).collect();
    wait_for(
        Duration::from_secs(30),
        "the added partitions to be committed",
        || committed_offsets(&group, &topic, 4) == at_end,
    )
    .await;
    assert!(matches!(server.stop().await, Shutdown::Graceful));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn added_partitions_are_consumed_under_the_classic_protocol() {
    added_partitions_are_consumed(&[]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn added_partitions_are_consumed_under_kip_848() {
    added_partitions_are_consumed(&[("group.protocol", "consumer")]).await;
}

/// What the member that stalls saw of its stalled job.
#[derive(Default)]
struct Stall {
    started: AtomicBool,
    ended: AtomicBool,
    mark_refused: AtomicBool,
}

/// Stalls 12 s on the first batch of partition 0 (once per test), then marks it.
struct Stalling {
    log: Log,
    stall: Arc<Stall>,
}

#[async_trait]
impl Consumer for Stalling {
    async fn consume(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        let first = ctx.messages().iter().next().map(|m| m.partition());
        if first == Some(0) && !self.stall.started.swap(true, Ordering::SeqCst) {
            tokio::time::sleep(Duration::from_secs(12)).await;
            let marked = ctx
                .messages()
                .iter()
                .all(|message| ctx.mark_as_consumed(message));
            self.stall.mark_refused.store(!marked, Ordering::SeqCst);
            self.stall.ended.store(true, Ordering::SeqCst);
            return Ok(());
        }
        for message in ctx.messages() {
            self.log.record(message, ctx.attempt());
        }
        Ok(())
    }
}

/// A job longer than the rebalance timeout (`max.poll.interval.ms`) is running when a second
/// member joins: the revocation waits for it only up to the bound, then hands its partition over
/// with the job's marks refused. The member keeps its member id (the broker did not drop it),
/// and the next owner consumes the abandoned batch again, so nothing is lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_longer_than_the_rebalance_timeout_is_handed_over_without_it() {
    logs();
    let topic = unique("long-job");
    let group = unique("long-job-group");
    create_topic(&topic, 2).await;
    let settings = |client_id: &str| Config {
        client_id: client_id.to_owned(),
        ..config(&group)
            .kafka("max.poll.interval.ms", 6_000)
            .kafka("session.timeout.ms", 6_000)
            .kafka("heartbeat.interval.ms", 1_000)
    };
    let log = Log::default();
    let stall = Arc::new(Stall::default());
    let start = |client_id: &str| {
        let (log, stall) = (log.clone(), Arc::clone(&stall));
        RunningServer::start(
            settings(client_id),
            Routes::new().topic(Topic::new(&topic).consumer_with(move || Stalling {
                log: log.clone(),
                stall: Arc::clone(&stall),
            })),
        )
    };
    let a = start("member-a");
    let member_of = |client: &str, members: &[(String, String)]| {
        members
            .iter()
            .find(|(client_id, _)| client_id == client)
            .map(|(_, member_id)| member_id.clone())
    };
    for partition in 0..2 {
        produce_to(&topic, partition, &["1", "2", "3"]).await;
    }
    wait_for(Duration::from_secs(60), "A's stalled job", || {
        stall.started.load(Ordering::SeqCst)
    })
    .await;
    let a_member = stable_group_members(&group)
        .and_then(|members| member_of("member-a", &members))
        .expect("A is a stable member while its job stalls");

    let b = start("member-b");
    // Everything of partition 0 is handled again after the handover; partition 1 throughout.
    let ends = end_offsets(&topic, 2);
    log.wait_until(
        Duration::from_secs(60),
        "every message handled",
        |handled| {
            (0..2).all(|partition| {
                let offsets: BTreeSet<i64> = handled
                    .iter()
                    .filter(|h| h.partition == partition)
                    .map(|h| h.offset)
                    .collect();
                (0..ends[partition as usize]).all(|offset| offsets.contains(&offset))
            })
        },
    )
    .await;
    wait_for(Duration::from_secs(30), "A's stalled job to end", || {
        stall.ended.load(Ordering::SeqCst)
    })
    .await;
    assert!(
        stall.mark_refused.load(Ordering::SeqCst),
        "the abandoned job's marks were refused"
    );
    let at_end: Vec<Option<i64>> = ends.iter().copied().map(Some).collect();
    wait_for(Duration::from_secs(30), "commits at the log end", || {
        committed_offsets(&group, &topic, 2) == at_end
    })
    .await;
    let members: BTreeMap<String, String> = stable_group_members(&group)
        .expect("a stable group")
        .into_iter()
        .collect();
    assert_eq!(members.len(), 2, "{members:?}");
    assert_eq!(
        members.get("member-a"),
        Some(&a_member),
        "A kept its member id: the broker never dropped it"
    );
    assert!(matches!(b.stop().await, Shutdown::Graceful));
    assert!(matches!(a.stop().await, Shutdown::Graceful));
}

#[derive(Debug, Deserialize, PartialEq)]
struct Account {
    balance: i64,
}

/// Reads a compacted topic: tombstones decode as `None`.
struct Accounts {
    seen: Seen<(i64, bool, Option<Account>)>,
}

#[async_trait]
impl Consumer for Accounts {
    async fn consume(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        for message in ctx.messages() {
            let account: Option<Account> = message.payload()?;
            self.seen.lock().expect("seen").push((
                message.offset(),
                message.is_tombstone(),
                account,
            ));
        }
        Ok(())
    }
}

/// A consumer of `Option<T>` handles tombstones as `None` and commits through them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tombstones_decode_as_none_and_are_committed() {
    logs();
    let topic = unique("compacted");
    let group = unique("compacted-group");
    let admin = Admin::new(&config("admin")).expect("admin");
    admin
        .create_topic_with(
            &topic,
            &TopicConfig::new()
                .partitions(1)
                .setting("cleanup.policy", "compact"),
        )
        .await
        .expect("compacted topic");
    let records = vec![
        Record::new(&topic, br#"{"balance":10}"#.to_vec()).key("a"),
        Record::tombstone(&topic, "a"),
        Record::new(&topic, br#"{"balance":7}"#.to_vec()).key("b"),
        Record::tombstone(&topic, "b"),
    ];
    producer()
        .produce_many_sync(records)
        .await
        .expect("records produced");
    let seen = Arc::default();
    let server = {
        let seen = Arc::clone(&seen);
        RunningServer::start(
            config(&group),
            Routes::new().topic(Topic::new(&topic).consumer_with(move || Accounts {
                seen: Arc::clone(&seen),
            })),
        )
    };
    wait_for(Duration::from_secs(60), "the tombstones committed", || {
        committed_offsets(&group, &topic, 1) == vec![Some(4)]
    })
    .await;
    assert!(matches!(server.stop().await, Shutdown::Graceful));
    assert_eq!(
        *seen.lock().expect("seen"),
        vec![
            (0, false, Some(Account { balance: 10 })),
            (1, true, None),
            (2, false, Some(Account { balance: 7 })),
            (3, true, None),
        ]
    );
}
