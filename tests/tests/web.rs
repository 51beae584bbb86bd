//! The web UI's side of a server against the real broker: reports of the process's partitions
//! and lag, errors with their coordinates, commands (pause and resume a partition) answered
//! through Kafka, and dead letters replayed to their source topic with the replays counted.

use std::time::{Duration, Instant};

use karafka::admin::Admin;
use karafka::config::WebConfig;
use karafka::middleware::DeadLetterQueue;
use karafka::routing::{Routes, Topic};
use karafka::{async_trait, App, Config, Consumer, Context};
use karafka_integration_tests::*;
use karafka_web::commands::{Answer, Command, Commander, Envelope};
use karafka_web::dlq::{DeadLetters, REPLAYS_HEADER};
use karafka_web::report::{decode, Decoded, ErrorReport, PartitionState, Report};
use karafka_web::{Web, WebError};
use serde::de::DeserializeOwned;

/// Fails on the payload `poison` (its first failure is an error event; its retry fails too and
/// sends it to the dead-letter topic), handles the rest.
#[derive(Default)]
struct Picky;

#[async_trait]
impl Consumer for Picky {
    async fn consume(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        for message in ctx.messages() {
            if message.raw_payload() == Some(&b"poison"[..]) {
                anyhow::bail!("charge failed: card declined");
            }
        }
        Ok(())
    }
}

struct Setup {
    config: Config,
    topic: String,
    dead_letters: String,
}

async fn setup() -> Setup {
    let topic = unique("web-orders");
    let dead_letters = unique("web-orders-dlq");
    let web = WebConfig {
        enabled: true,
        report_interval: Duration::from_millis(200),
        reports_topic: unique("web-reports"),
        errors_topic: unique("web-errors"),
        commands_topic: unique("web-commands"),
        max_replays: 2,
        ..WebConfig::default()
    };
    for (name, partitions) in [
        (topic.as_str(), 2),
        (dead_letters.as_str(), 1),
        (web.reports_topic.as_str(), 1),
        (web.errors_topic.as_str(), 1),
        (web.commands_topic.as_str(), 1),
    ] {
        create_topic(name, partitions).await;
    }
    let config = Config {
        web,
        ..config(&unique("web-group"))
    }
    // The reports carry librdkafka's lag figures; the default 5 s interval would slow the test.
    .kafka("statistics.interval.ms", 200);
    Setup {
        config,
        topic,
        dead_letters,
    }
}

fn app(setup: &Setup, web: Web) -> App {
    App::builder()
        .config(setup.config.clone())
        .routes(
            Routes::new().topic(
                Topic::new(&setup.topic)
                    .consumer::<Picky>()
                    .dead_letter_queue(DeadLetterQueue::new(&setup.dead_letters).max_retries(1)),
            ),
        )
        .plugin(web)
        .build()
        .expect("valid app")
}

/// The records of `topic` (one partition) this build decodes.
async fn records<T: DeserializeOwned>(admin: &Admin, topic: &str) -> Vec<T> {
    let (low, high) = admin.watermarks(topic, 0).await.expect("watermarks");
    let start = low.max(high - 500);
    let messages = admin
        .read_topic(topic, 0, start, usize::try_from(high - start).unwrap_or(0))
        .await
        .expect("read");
    messages
        .iter()
        .filter_map(|message| match decode::<T>(message.raw_payload()?) {
            Ok(Decoded::Current(record)) => Some(record),
            _ => None,
        })
        .collect()
}

/// Waits up to `timeout` for the latest report of `process` to satisfy `done`; panics naming
/// `what` with the last report seen.
async fn wait_report(
    admin: &Admin,
    topic: &str,
    process: &str,
    what: &str,
    done: impl Fn(&Report) -> bool,
) -> Report {
    let started = Instant::now();
    let mut last = None;
    while started.elapsed() < Duration::from_secs(30) {
        last = records::<Report>(admin, topic)
            .await
            .into_iter()
            .filter(|report| report.process.id == process)
            .last();
        if let Some(report) = last.as_ref().filter(|report| done(report)) {
            return report.clone();
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("no report of {process} showed {what} within 30 s; last: {last:#?}");
}

fn partition<'a>(
    report: &'a Report,
    topic: &str,
    partition: i32,
) -> Option<&'a karafka_web::report::PartitionReport> {
    report
        .groups
        .iter()
        .flat_map(|group| &group.partitions)
        .find(|p| p.topic == topic && p.partition == partition)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn reports_show_partitions_lag_errors_and_commands_pause_and_resume() {
    logs();
    let setup = setup().await;
    let web = Web::new();
    let process = web.process_id().to_owned();
    let server = RunningServer::start_app(app(&setup, web));
    let admin = Admin::new(&setup.config).expect("admin");
    let reports = &setup.config.web.reports_topic;

    produce_to(&setup.topic, 0, &["a", "b", "c"]).await;
    produce_to(&setup.topic, 1, &["d"]).await;
    let report = wait_report(&admin, reports, &process, "both partitions at lag 0", |r| {
        (0..2).all(|p| partition(r, &setup.topic, p).is_some_and(|p| p.lag == Some(0)))
    })
    .await;
    assert_eq!(report.counters.messages, 4, "{report:#?}");

    produce_to(&setup.topic, 1, &["poison"]).await;
    let started = Instant::now();
    let error = loop {
        let errors = records::<ErrorReport>(&admin, &setup.config.web.errors_topic).await;
        if let Some(error) = errors.into_iter().find(|e| e.process_id == process) {
            break error;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no error report within 30 s"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(error.topic.as_deref(), Some(setup.topic.as_str()));
    assert_eq!((error.partition, error.first_offset), (Some(1), Some(1)));
    assert_eq!(error.error, "charge failed: card declined");

    let commander = Commander::new(producer(), &setup.config.web);
    let id = commander
        .send(
            &process,
            Command::Pause {
                topic: setup.topic.clone(),
                partition: 0,
            },
        )
        .await
        .expect("sent");
    let started = Instant::now();
    let answer = loop {
        let answers = records::<Envelope>(&admin, &setup.config.web.commands_topic).await;
        let found = answers.into_iter().find_map(|record| match record {
            Envelope::Answer(answer) if answer.command_id == id => Some(answer),
            _ => None,
        });
        if let Some(answer) = found {
            break answer;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no answer within 30 s"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(matches!(answer, Answer { ok: true, .. }), "{answer:?}");
    produce_to(&setup.topic, 0, &["e", "f"]).await;
    wait_report(
        &admin,
        reports,
        &process,
        "partition 0 held with lag 2",
        |r| {
            partition(r, &setup.topic, 0)
                .is_some_and(|p| p.state == PartitionState::Held && p.lag == Some(2))
        },
    )
    .await;

    commander
        .send(
            &process,
            Command::Resume {
                topic: setup.topic.clone(),
                partition: 0,
            },
        )
        .await
        .expect("sent");
    wait_report(
        &admin,
        reports,
        &process,
        "partition 0 running with lag 0",
        |r| {
            partition(r, &setup.topic, 0)
                .is_some_and(|p| p.state == PartitionState::Running && p.lag == Some(0))
        },
    )
    .await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_dead_letter_replays_to_its_topic_until_max_replays() {
    logs();
    let setup = setup().await;
    let server = RunningServer::start_app(app(&setup, Web::new()));
    let admin = Admin::new(&setup.config).expect("admin");
    produce_to(&setup.topic, 0, &["poison"]).await;
    let letters = DeadLetters::new(admin.clone(), producer(), setup.config.web.clone());
    // Each replay fails again and comes back to the dead-letter topic with its count.
    for replays in 0..2_u32 {
        let offset = i64::from(replays);
        let started = Instant::now();
        let listed = loop {
            let listed = letters
                .list(&setup.dead_letters, 0, 0, 10)
                .await
                .expect("listed");
            if listed.len() > replays as usize {
                break listed;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "no dead letter {offset} within 30 s"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        };
        let letter = &listed[replays as usize];
        assert_eq!(letter.replays, replays);
        assert_eq!(letter.original_topic.as_deref(), Some(setup.topic.as_str()));
        let replayed = letters
            .replay(&setup.dead_letters, 0, offset, offset)
            .await
            .expect("replayed");
        assert_eq!(replayed[0].to_topic, setup.topic);
        let back = admin
            .read_topic(
                &setup.topic,
                replayed[0].to_partition,
                replayed[0].to_offset,
                1,
            )
            .await
            .expect("read");
        assert_eq!(
            back[0].headers().get_str(REPLAYS_HEADER),
            Some(&*(replays + 1).to_string())
        );
    }
    let started = Instant::now();
    while letters
        .list(&setup.dead_letters, 0, 0, 10)
        .await
        .expect("listed")
        .len()
        < 3
    {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no third dead letter within 30 s"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let refused = letters
        .replay(&setup.dead_letters, 0, 2, 2)
        .await
        .expect_err("a third replay is refused");
    assert!(
        matches!(
            refused,
            WebError::TooManyReplays {
                replays: 2,
                max: 2,
                ..
            }
        ),
        "{refused}"
    );
    server.stop().await;
}
