//! The web UI's side of a server against the real broker: reports of the process's partitions
//! and lag, errors with their coordinates, commands (pause and resume a partition) answered
//! through Kafka, and dead letters replayed to their source topic with the replays counted.

use std::time::{Duration, Instant};

use karafka_integration_tests::web::{
    reported, wait_record, wait_report, WebSetup, FAILURE, POISON,
};
use karafka_integration_tests::*;
use karafka_web::commands::{Command, Commander, Envelope};
use karafka_web::dlq::{DeadLetters, REPLAYS_HEADER};
use karafka_web::report::{ErrorReport, PartitionState, ProcessState};
use karafka_web::{Web, WebError};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn reports_show_partitions_lag_errors_and_commands_pause_and_resume() {
    logs();
    let setup = WebSetup::new(|web| web).await;
    let (server, process, admin) = setup.start();
    let reports = &setup.config.web.reports_topic;

    produce_to(&setup.topic, 0, &["a", "b", "c"]).await;
    produce_to(&setup.topic, 1, &["d"]).await;
    let report = wait_report(&admin, reports, &process, "both partitions at lag 0", |r| {
        (0..2).all(|p| reported(r, &setup.topic, p).is_some_and(|p| p.lag == Some(0)))
    })
    .await;
    assert_eq!(report.counters.messages, 4, "{report:#?}");

    produce_to(&setup.topic, 1, &[POISON]).await;
    let error = wait_record(
        &admin,
        &setup.config.web.errors_topic,
        "the error",
        |e: ErrorReport| (e.process_id == process).then_some(e),
    )
    .await;
    assert_eq!(error.topic.as_deref(), Some(setup.topic.as_str()));
    assert_eq!((error.partition, error.first_offset), (Some(1), Some(1)));
    assert_eq!(error.error, FAILURE);

    let commander = Commander::new(producer(), &setup.config.web);
    let pause = Command::Pause {
        topic: setup.topic.clone(),
        partition: 0,
    };
    let id = commander.send(&process, pause).await.expect("sent");
    let answer = wait_record(
        &admin,
        &setup.config.web.commands_topic,
        "the answer",
        |record: Envelope| match record {
            Envelope::Answer(answer) if answer.command_id == id => Some(answer),
            _ => None,
        },
    )
    .await;
    assert!(answer.ok, "{answer:?}");
    produce_to(&setup.topic, 0, &["e", "f"]).await;
    wait_report(
        &admin,
        reports,
        &process,
        "partition 0 held with lag 2",
        |r| {
            reported(r, &setup.topic, 0)
                .is_some_and(|p| p.state == PartitionState::Held && p.lag == Some(2))
        },
    )
    .await;

    let resume = Command::Resume {
        topic: setup.topic.clone(),
        partition: 0,
    };
    commander.send(&process, resume).await.expect("sent");
    wait_report(
        &admin,
        reports,
        &process,
        "partition 0 running with lag 0",
        |r| {
            reported(r, &setup.topic, 0)
                .is_some_and(|p| p.state == PartitionState::Running && p.lag == Some(0))
        },
    )
    .await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_dead_letter_replays_to_its_topic_until_max_replays() {
    logs();
    let setup = WebSetup::new(|web| web).await;
    let (server, _, admin) = setup.start();
    let letters = DeadLetters::new(admin.clone(), producer(), setup.config.web.clone());
    produce_to(&setup.topic, 0, &[POISON]).await;
    let started = Instant::now();
    while letters
        .list(&setup.dead_letters, 0, 0, 10)
        .await
        .expect("listed")
        .is_empty()
    {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no dead letter within 30 s"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let replayed = letters
        .replay(&setup.dead_letters, 0, 0, 0)
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
    assert_eq!(back[0].headers().get_str(REPLAYS_HEADER), Some("1"));
    let to_offset = replayed[0].to_offset;
    wait_for(
        Duration::from_secs(30),
        "the replayed message consumed",
        || {
            setup
                .log
                .snapshot()
                .iter()
                .any(|handled| handled.offset == to_offset)
        },
    )
    .await;

    // The replay was counted: with max_replays 2, a dead letter replayed twice is refused.
    let twice = karafka::Record::new(&setup.dead_letters, POISON)
        .header(
            karafka::middleware::dead_letter_queue::headers::TOPIC,
            setup.topic.as_str(),
        )
        .header(REPLAYS_HEADER, "2");
    let delivery = producer().produce_sync(twice).await.expect("produced");
    let refused = letters
        .replay(&setup.dead_letters, 0, delivery.offset, delivery.offset)
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_taken_ui_address_fails_the_start_naming_the_setting() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let address = taken.local_addr().expect("its address").to_string();
    let setup = WebSetup::new(|web| karafka::config::WebConfig {
        serve_in_server: true,
        address: address.clone(),
        ..web
    })
    .await;
    let started = setup
        .app(Web::new())
        .server()
        .run_until(std::future::pending());
    let error = tokio::time::timeout(Duration::from_secs(30), started)
        .await
        .expect("the start fails within 30 s")
        .expect_err("a taken address fails the start");
    let text = error.to_string();
    assert!(
        text.contains("web.address") && text.contains(&address),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn quiet_then_stop_commands_quiet_and_stop_the_process() {
    logs();
    let setup = WebSetup::new(|web| web).await;
    let (server, process, admin) = setup.start();
    let reports = &setup.config.web.reports_topic;
    produce_to(&setup.topic, 0, &["a"]).await;
    wait_report(&admin, reports, &process, "partition 0 at lag 0", |r| {
        reported(r, &setup.topic, 0).is_some_and(|p| p.lag == Some(0))
    })
    .await;

    let commander = Commander::new(producer(), &setup.config.web);
    commander
        .send(&process, Command::Quiet)
        .await
        .expect("sent");
    wait_report(&admin, reports, &process, "the process quiet", |r| {
        r.process.state == ProcessState::Quiet
    })
    .await;
    produce_to(&setup.topic, 0, &["b", "c"]).await;
    wait_report(
        &admin,
        reports,
        &process,
        "partition 0 at lag 2 while quiet",
        |r| reported(r, &setup.topic, 0).is_some_and(|p| p.lag == Some(2)),
    )
    .await;
    assert_eq!(setup.log.len(), 1, "nothing new runs while quiet");

    commander.send(&process, Command::Stop).await.expect("sent");
    let stopped = tokio::time::timeout(Duration::from_secs(30), server.stopped())
        .await
        .expect("the stop command stops the server within 30 s");
    assert!(
        matches!(stopped, karafka::Shutdown::Graceful),
        "{stopped:?}"
    );
    wait_report(&admin, reports, &process, "the last report, stopped", |r| {
        r.process.state == ProcessState::Stopped
    })
    .await;
}
