//! Routes on several clusters: a route whose `kafka` settings name the second broker
//! (`scripts/kafka second up`, 127.0.0.1:9392) is consumed there, dead-letters there, and the
//! `topics` and `consumer-groups` commands and the admin API find its topics there.

use std::time::Duration;

use karafka::admin::{Admin, SeekTarget};
use karafka::middleware::dead_letter_queue::headers;
use karafka::middleware::DeadLetterQueue;
use karafka::routing::{Routes, Topic};
use karafka::{async_trait, App, Consumer, Context, Record, Shutdown};
use karafka_integration_tests::*;

const PROBE: &str = env!("CARGO_BIN_EXE_probe");

/// Records every message; fails on the payload `"bad"`.
#[derive(Clone, Default)]
struct Picky {
    log: Log,
}

#[async_trait]
impl Consumer for Picky {
    async fn consume(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        for message in ctx.messages() {
            anyhow::ensure!(message.raw_payload() != Some(&b"bad"[..]), "bad payload");
            self.log.record(message, ctx.attempt());
            ctx.mark_as_consumed(message);
        }
        Ok(())
    }
}

/// Names for one test: a topic of the main cluster, one of the second cluster and its
/// dead-letter topic, and a consumer group.
fn names(prefix: &str) -> (String, String, String, String) {
    (
        unique(&format!("{prefix}-home")),
        unique(&format!("{prefix}-away")),
        unique(&format!("{prefix}-away-dlq")),
        unique(&format!("{prefix}-group")),
    )
}

/// The topics of the main cluster.
async fn main_topics() -> Vec<String> {
    Admin::new(&config("clusters-admin"))
        .unwrap()
        .partition_counts()
        .await
        .unwrap()
        .into_keys()
        .collect()
}

/// The topics of the second cluster.
async fn second_topics() -> Vec<String> {
    second_admin()
        .partition_counts()
        .await
        .unwrap()
        .into_keys()
        .collect()
}

/// Waits until `group` committed `offset` on partition 0 of `topic` of the second cluster.
async fn await_committed_on_second(group: &str, topic: &str, offset: i64) {
    let admin = second_admin();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let lag = admin.lag(group, topic).await.unwrap();
        if lag[0].committed == Some(offset) {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{group} did not commit {offset} on the second cluster's {topic} within 30 s: {lag:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_route_on_the_second_cluster_consumes_and_dead_letters_there() {
    let (home, away, dead, group) = names("clusters");
    create_topic(&home, 1).await;
    let second = second_admin();
    second.create_topic(&away, 1, 1).await.unwrap();
    second.create_topic(&dead, 1, 1).await.unwrap();

    let (home_log, away_log) = (Log::default(), Log::default());
    let (home_consumer, away_consumer) = (
        Picky {
            log: home_log.clone(),
        },
        Picky {
            log: away_log.clone(),
        },
    );
    let routes = Routes::new()
        .topic(Topic::new(&home).consumer_with(move || home_consumer.clone()))
        .topic(
            Topic::new(&away)
                .kafka("bootstrap.servers", second_bootstrap_servers())
                // Tuning is no part of a cluster: still the second cluster's producer.
                .kafka("fetch.max.bytes", 1_048_576)
                .consumer_with(move || away_consumer.clone())
                .dead_letter_queue(DeadLetterQueue::new(&dead).max_retries(0)),
        );
    let app = App::builder()
        .config(config(&group))
        .routes(routes)
        .build()
        .unwrap();
    assert_eq!(app.cluster_of(&away), second_cluster());
    assert_eq!(app.cluster_of(&home), app.config().cluster());

    // Each topic through the producer of its cluster.
    for payload in ["one", "bad", "three"] {
        app.producer_for(&away)
            .produce_sync(Record::new(&away, payload))
            .await
            .unwrap();
    }
    app.producer_for(&home)
        .produce_sync(Record::new(&home, "home"))
        .await
        .unwrap();
    let server = RunningServer::start_app(app);
    home_log
        .wait_until(
            Duration::from_secs(30),
            "the main cluster's message",
            |log| log.len() == 1,
        )
        .await;
    away_log
        .wait_until(
            Duration::from_secs(30),
            "the second cluster's good messages",
            |log| log.len() == 2,
        )
        .await;
    let offsets: Vec<i64> = away_log.snapshot().iter().map(|h| h.offset).collect();
    assert_eq!(
        offsets,
        vec![0, 2],
        "the bad message went to the dead-letter queue"
    );
    await_committed_on_second(&group, &away, 3).await;
    assert!(matches!(server.stop().await, Shutdown::Graceful));

    // The dead letter is on the second cluster, and neither of its topics on the main one.
    let dead_letters = second.read_topic(&dead, 0, 0, 1).await.unwrap();
    assert_eq!(dead_letters.len(), 1);
    assert_eq!(dead_letters[0].raw_payload(), Some(&b"bad"[..]));
    assert_eq!(
        dead_letters[0].headers().get_str(headers::TOPIC),
        Some(away.as_str())
    );
    assert_eq!(
        dead_letters[0].headers().get_str(headers::OFFSET),
        Some("1")
    );
    let main = main_topics().await;
    assert!(
        !main.contains(&away) && !main.contains(&dead),
        "nothing of the second cluster's route was created on the main cluster"
    );
    // The main route's group committed on the main cluster only.
    assert_eq!(committed_offsets(&group, &home, 1), vec![Some(1)]);
}

/// The probe app's command line with a route on `topic` (main cluster) and one on `away` (second
/// cluster) dead-lettering to `dead`, their consumer group `group`.
async fn cli(args: &[&str], topic: &str, away: &str, dead: &str, group: &str) -> String {
    let servers = second_bootstrap_servers();
    let env = [
        ("KARAFKA_GROUP_ID", group),
        ("PROBE_OTHER_CLUSTER", servers.as_str()),
        ("PROBE_OTHER_TOPIC", away),
        ("PROBE_OTHER_DLQ", dead),
    ];
    let (code, out, err) = Probe::output(PROBE, args, topic, &env).await;
    assert_eq!(code, Some(0), "{args:?}: {out}{err}");
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn topics_commands_manage_each_topic_on_its_routes_cluster() {
    let (home, away, dead, group) = names("clusters-topics");
    let info = cli(&["info"], &home, &away, &dead, &group).await;
    let on_second = format!("on cluster {}", second_bootstrap_servers());
    let lines_on_second: Vec<&str> = info.lines().filter(|l| l.contains(&on_second)).collect();
    assert_eq!(
        lines_on_second.len(),
        3,
        "its subscription group and two topics: {info}"
    );
    assert!(
        lines_on_second.iter().any(|l| l.contains(&dead)),
        "the dead-letter topic is the second cluster's: {info}"
    );

    let created = cli(&["topics", "create"], &home, &away, &dead, &group).await;
    let main_header = format!("# cluster {}", bootstrap_servers());
    let second_header = format!("# cluster {}", second_bootstrap_servers());
    assert!(
        created.contains(&main_header) && created.contains(&second_header),
        "each cluster is named: {created}"
    );
    let (main, second) = (main_topics().await, second_topics().await);
    assert!(main.contains(&home), "{home} on the main cluster");
    assert!(
        second.contains(&away) && second.contains(&dead),
        "the route's topic and its dead-letter topic on the second cluster"
    );
    assert!(!main.contains(&away) && !main.contains(&dead));
    assert!(!second.contains(&home));

    let plan = cli(
        &["topics", "plan", "--detailed-exitcode"],
        &home,
        &away,
        &dead,
        &group,
    )
    .await;
    assert!(plan.contains("No changes."), "{plan}");

    // Deleting takes each topic off its own cluster.
    cli(&["topics", "delete", "--yes"], &home, &away, &dead, &group).await;
    let (main, second) = (main_topics().await, second_topics().await);
    assert!(!main.contains(&home));
    assert!(!second.contains(&away) && !second.contains(&dead));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lag_and_seek_of_a_route_on_the_second_cluster_run_there() {
    let (home, away, dead, group) = names("clusters-lag");
    create_topic(&home, 1).await;
    produce_to(&home, 0, &["{}"; 2]).await;
    let second = second_admin();
    second.create_topic(&away, 1, 1).await.unwrap();
    let producer = App::builder()
        .config(config(&group))
        .routes(
            Routes::new().topic(
                Topic::new(&away)
                    .kafka("bootstrap.servers", second_bootstrap_servers())
                    .consumer::<Picky>(),
            ),
        )
        .build()
        .unwrap()
        .producer_for(&away)
        .clone();
    for _ in 0..5 {
        producer
            .produce_sync(Record::new(&away, "{}"))
            .await
            .unwrap();
    }
    // The group on the second cluster committed 3 of the 5; on the main one, 1 of 2.
    second
        .seek_consumer_group(&group, &away, SeekTarget::Offset(3))
        .await
        .unwrap();
    Admin::new(&config("clusters-admin"))
        .unwrap()
        .seek_consumer_group(&group, &home, SeekTarget::Offset(1))
        .await
        .unwrap();

    let lag = ["consumer-groups", "lag", "--group", &group];
    let out = cli(&lag, &home, &away, &dead, &group).await;
    let rows = table_rows(&out);
    assert!(
        rows.contains(&vec![group.as_str(), home.as_str(), "0", "1", "2", "1"]),
        "{out}"
    );
    assert!(
        rows.contains(&vec![group.as_str(), away.as_str(), "0", "3", "5", "2"]),
        "{out}"
    );

    let seek = seek_args(&group, &away, "earliest");
    let out = cli(&seek, &home, &away, &dead, &group).await;
    assert!(out.contains(&format!("{group} {away}/0 -> 0")), "{out}");
    let lag = second.lag(&group, &away).await.unwrap();
    assert_eq!((lag[0].committed, lag[0].lag), (Some(0), 5));
    assert_eq!(
        committed_offsets(&group, &home, 1),
        vec![Some(1)],
        "the main cluster's group of the same name is untouched"
    );
}
