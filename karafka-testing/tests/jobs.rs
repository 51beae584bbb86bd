//! Background jobs in an app's unit test: enqueued with `TestApp::jobs`, performed by
//! consuming their topic, failures dead-lettered as on Kafka.

mod common;

use std::sync::{Mutex, PoisonError};

use common::{build, config};
use karafka::jobs::{Job, JobContext};
use karafka::middleware::dead_letter_queue::headers;
use karafka::{async_trait, routes};
use karafka_testing::TestApp;
use serde::{Deserialize, Serialize};

/// The greetings sent, as the outside world would see them.
static SENT: Mutex<Vec<String>> = Mutex::new(Vec::new());

#[derive(Serialize, Deserialize)]
struct SendGreeting {
    to: String,
}

#[async_trait]
impl Job for SendGreeting {
    async fn perform(&self, _: &mut JobContext<'_>) -> anyhow::Result<()> {
        if self.to.is_empty() {
            anyhow::bail!("no recipient");
        }
        SENT.lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(self.to.clone());
        Ok(())
    }
}

#[tokio::test(start_paused = true)]
async fn an_enqueued_job_is_performed_when_its_topic_is_consumed() {
    let app = TestApp::new(build(
        config(),
        routes! {
            jobs "greetings" {
                jobs: [SendGreeting],
                dead_letter_queue: { topic: "greetings_dlq", max_retries: 0 },
            }
        },
    ));
    let jobs = app.jobs();
    jobs.enqueue(&SendGreeting { to: "ada".into() })
        .await
        .unwrap();
    jobs.enqueue(&SendGreeting { to: String::new() })
        .await
        .unwrap();
    jobs.enqueue(&SendGreeting { to: "grace".into() })
        .await
        .unwrap();

    app.consume("greetings").await.unwrap();

    assert_eq!(*SENT.lock().unwrap(), vec!["ada", "grace"]);
    assert_eq!(app.committed("greetings", 0), Some(3));
    let dead = app.produced("greetings_dlq");
    assert_eq!(dead.len(), 1);
    assert_eq!(
        dead[0].headers().get_str(headers::OFFSET),
        Some("1"),
        "the job without a recipient"
    );
}
