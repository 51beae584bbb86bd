//! The web UI against the real broker: the tail reads reports, errors and answers written to
//! the web topics into the board, the pages show them, and a command button writes a command.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use karafka::admin::Admin;
use karafka::config::{Secret, WebConfig};
use karafka::consumer::Noop;
use karafka::middleware::DeadLetterQueue;
use karafka::routing::{Routes, Topic};
use karafka::{App, Record};
use karafka_integration_tests::*;
use karafka_web::commands::{Command, Envelope};
use karafka_web::report::{decode, Decoded};
use karafka_web::ui::{fake, tail};
use karafka_web::Ui;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt as _;

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|since| since.as_millis() as u64)
        .unwrap_or_default()
}

async fn body(response: axum::response::Response) -> String {
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    String::from_utf8_lossy(&bytes).into_owned()
}

#[tokio::test]
async fn the_ui_shows_what_processes_report_and_sends_commands() {
    let errors_topic = unique("web-errors");
    let web = WebConfig {
        reports_topic: unique("web-reports"),
        errors_topic: errors_topic.clone(),
        commands_topic: unique("web-commands"),
        token: Some(Secret::new("s3cret")),
        hidden_payloads: [errors_topic].into(),
        ..WebConfig::default()
    };
    for topic in [&web.reports_topic, &web.errors_topic, &web.commands_topic] {
        create_topic(topic, 1).await;
    }
    let report = fake::report(0, 4, now_ms(), 100);
    let process_id = report.process.id.clone();
    let producer = producer();
    producer
        .produce_sync(Record::json(&web.reports_topic, &report).unwrap())
        .await
        .unwrap();
    producer
        .produce_sync(Record::json(&web.errors_topic, &fake::error(0, now_ms())).unwrap())
        .await
        .unwrap();
    for junk in ["not json", r#"{"schema": 99}"#] {
        producer
            .produce_sync(Record::new(&web.reports_topic, junk))
            .await
            .unwrap();
    }

    let config = karafka::Config {
        web: web.clone(),
        ..config("web-ui")
    };
    let routes = Routes::new().topic(
        Topic::new(unique("orders"))
            .consumer::<Noop>()
            .dead_letter_queue(DeadLetterQueue::new(unique("orders-dlq"))),
    );
    let app = App::builder()
        .config(config)
        .routes(routes)
        .build()
        .unwrap();
    let ui = Ui::new(&app).unwrap();
    let stop = CancellationToken::new();
    let reading = tokio::spawn(tail::run(
        Admin::new(app.config()).unwrap(),
        web.clone(),
        ui.board(),
        stop.clone(),
    ));
    let board = Arc::clone(&ui.board());
    wait_for(
        Duration::from_secs(20),
        "the report and the error read",
        || {
            let board = board.read().unwrap();
            board.processes().count() == 1 && board.errors(None).count() == 1
        },
    )
    .await;

    let router = ui.router();
    let page = router
        .clone()
        .oneshot(Request::get("/consumers").body(Body::empty()).unwrap())
        .await
        .unwrap();
    let html = body(page).await;
    assert!(
        html.contains(&format!(r#"data-process-id="{process_id}" data-up="true""#)),
        "{html}"
    );
    assert!(html.contains(r#"data-topic="fake-0" data-partition="3""#));

    let explorer = format!("/explorer/{}/0", web.reports_topic);
    let page = router
        .clone()
        .oneshot(Request::get(explorer.as_str()).body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = body(page).await;
    assert_eq!(html.matches(r#"<tr class="message""#).count(), 3, "{html}");

    let explorer = format!("/explorer/{}/0", web.errors_topic);
    let page = router
        .clone()
        .oneshot(Request::get(explorer.as_str()).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let html = body(page).await;
    assert_eq!(html.matches(r#"<tr class="message""#).count(), 1, "{html}");
    assert!(html.contains("hidden (web.hidden_payloads)"), "{html}");
    assert!(!html.contains("the order has no customer"), "{html}");

    let page = router
        .clone()
        .oneshot(Request::get("/cluster").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert!(body(page)
        .await
        .contains(&format!(r#"data-topic="{}""#, web.errors_topic)));

    let form = format!("process_id={process_id}&command=pause%2Ffake-0%2F3");
    let sent = router
        .clone()
        .oneshot(
            Request::post("/commands")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::AUTHORIZATION, "Bearer s3cret")
                .header("sec-fetch-site", "same-origin")
                .body(Body::from(form))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(sent.status(), StatusCode::OK);
    assert!(body(sent).await.contains("command-sent"));
    let records = Admin::new(app.config())
        .unwrap()
        .read_topic(&web.commands_topic, 0, 0, 1)
        .await
        .unwrap();
    let record = records
        .first()
        .and_then(|message| message.raw_payload())
        .unwrap();
    match decode::<Envelope>(record).unwrap() {
        Decoded::Current(Envelope::Command(command)) => {
            assert_eq!(command.process_id, process_id);
            assert_eq!(
                command.command,
                Command::Pause {
                    topic: "fake-0".into(),
                    partition: 3
                }
            );
        }
        other => panic!("not a command: {other:?}"),
    }

    stop.cancel();
    reading.await.unwrap().unwrap();
}

#[tokio::test]
async fn the_tail_finds_web_topics_created_after_the_ui_started() {
    let web = WebConfig {
        reports_topic: unique("late-reports"),
        errors_topic: unique("late-errors"),
        commands_topic: unique("late-commands"),
        ..WebConfig::default()
    };
    let board = Arc::new(std::sync::RwLock::new(karafka_web::ui::board::Board::new(
        &web,
    )));
    let stop = CancellationToken::new();
    let reading = tokio::spawn(tail::run(
        Admin::new(&config("web-late")).unwrap(),
        web.clone(),
        Arc::clone(&board),
        stop.clone(),
    ));
    tokio::time::sleep(Duration::from_millis(500)).await;
    create_topic(&web.reports_topic, 1).await;
    producer()
        .produce_sync(Record::json(&web.reports_topic, &fake::report(1, 2, now_ms(), 0)).unwrap())
        .await
        .unwrap();
    wait_for(Duration::from_secs(30), "the late topic's report", || {
        board.read().unwrap().processes().count() == 1
    })
    .await;
    stop.cancel();
    reading.await.unwrap().unwrap();
}
