//! The example's jobs in a unit test, without a broker: enqueued with `TestApp::jobs`, performed
//! by consuming their topic.

use example_jobs::{app_with, ResizeAvatar, SendWelcomeEmail, EMAILS_SENT};
use karafka::middleware::dead_letter_queue::headers;
use karafka::Config;
use karafka_testing::TestApp;

fn test_app() -> TestApp {
    let config = Config::default().kafka("bootstrap.servers", "127.0.0.1:9092");
    TestApp::new(app_with(config).expect("the app builds"))
}

#[tokio::test(start_paused = true)]
async fn a_welcome_mail_is_sent_once_its_job_is_performed() {
    let app = test_app();
    let jobs = app.jobs();
    let enqueued = jobs
        .enqueue(&SendWelcomeEmail {
            to: "ada@example.com".into(),
        })
        .await
        .unwrap();
    jobs.enqueue_many(&[ResizeAvatar {
        user_id: 7,
        upload: 1,
    }])
    .await
    .unwrap();

    app.consume("jobs").await.unwrap();

    let sent = app.produced(EMAILS_SENT);
    assert_eq!(sent.len(), 1);
    let mail: serde_json::Value = sent[0].payload().unwrap();
    assert_eq!(mail["to"], "ada@example.com");
    assert_eq!(mail["job"], enqueued.id.as_str());
}

#[tokio::test(start_paused = true)]
async fn a_mail_to_no_address_is_dead_lettered_after_its_retries() {
    let app = test_app();
    app.jobs()
        .enqueue(&SendWelcomeEmail { to: "ada".into() })
        .await
        .unwrap();

    for _ in 0..2 {
        assert!(app.consume("jobs").await.is_err(), "a failed attempt");
    }
    app.consume("jobs").await.unwrap();

    let dead = app.produced("jobs_dlq");
    assert_eq!(dead.len(), 1);
    let error = dead[0]
        .headers()
        .get_str(headers::ERROR)
        .unwrap_or_default();
    assert!(error.ends_with("`ada` is not an address"), "{error}");
    assert!(app.produced(EMAILS_SENT).is_empty());
}
