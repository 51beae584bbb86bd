//! Background jobs against the real broker: a job enqueued is performed once with its
//! arguments; jobs of one key keep their order under virtual partitions; a failing job is
//! retried, then dead-lettered; an unknown type and a malformed envelope go to the dead-letter
//! queue at once with the reason in its headers; without one, the partition stops at that offset
//! and the error names it.

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use karafka::instrumentation::Event;
use karafka::jobs::{Job, JobContext, Jobs};
use karafka::middleware::dead_letter_queue::headers;
use karafka::middleware::VirtualPartitions;
use karafka::routing::{Routes, ScheduledMessages};
use karafka::{async_trait, routes, App, Config, Message, Record, Shutdown};
use karafka_integration_tests::*;
use serde::{Deserialize, Serialize};

/// One run of a job: which test, its number, the partition it came from, and the attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Performed {
    run: String,
    key: Option<String>,
    n: u32,
    partition: i32,
    attempt: u32,
    succeeded: bool,
}

/// Every run of a `Step` in this test binary; each test reads its own `run`.
static PERFORMED: Mutex<Vec<Performed>> = Mutex::new(Vec::new());

/// Records each run; fails while its attempt is at most `fails`.
#[derive(Serialize, Deserialize)]
struct Step {
    run: String,
    key: Option<String>,
    n: u32,
    fails: u32,
}

#[async_trait]
impl Job for Step {
    fn key(&self) -> Option<String> {
        self.key.clone()
    }

    async fn perform(&self, ctx: &mut JobContext<'_>) -> anyhow::Result<()> {
        // Varied durations, so virtual partitions finish out of order.
        tokio::time::sleep(Duration::from_millis(u64::from(self.n % 4))).await;
        let succeeded = ctx.attempt() > self.fails;
        PERFORMED
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Performed {
                run: self.run.clone(),
                key: self.key.clone(),
                n: self.n,
                partition: ctx.message().partition(),
                attempt: ctx.attempt(),
                succeeded,
            });
        anyhow::ensure!(succeeded, "step {} is not ready", self.n);
        Ok(())
    }
}

fn step(run: &str, n: u32) -> Step {
    Step {
        run: run.to_owned(),
        key: None,
        n,
        fails: 0,
    }
}

/// The runs of the test `run` so far, in the order they happened.
fn performed(run: &str) -> Vec<Performed> {
    PERFORMED
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .iter()
        .filter(|performed| performed.run == run)
        .cloned()
        .collect()
}

/// The numbers of the jobs of `run` that succeeded, in the order they did.
fn succeeded(run: &str) -> Vec<u32> {
    performed(run)
        .into_iter()
        .filter(|performed| performed.succeeded)
        .map(|performed| performed.n)
        .collect()
}

fn app(config: Config, routes: Routes) -> App {
    App::builder()
        .config(config)
        .routes(routes)
        .build()
        .expect("valid app")
}

/// The app's job enqueuer, and its server started.
fn start(app: App) -> (Jobs, RunningServer) {
    let jobs = app.jobs();
    (jobs, RunningServer::start_app(app))
}

/// `Step` jobs on `topic`, dead-lettered to `dlq` after `max_retries`.
fn dead_lettering(topic: &str, dlq: &str, max_retries: u32) -> Routes {
    routes! {
        jobs (topic) {
            jobs: [Step],
            dead_letter_queue: { topic: dlq, max_retries: max_retries },
        }
    }
}

/// An envelope of a job type no route registers.
fn unknown_type() -> Vec<u8> {
    serde_json::json!({
        "version": 1, "type": "Nope", "id": "1", "arguments": {},
        "enqueued_at": "2026-01-01T00:00:00.000Z", "attempt": 1,
    })
    .to_string()
    .into_bytes()
}

fn header<'a>(message: &'a Message, name: &str) -> &'a str {
    message.headers().get_str(name).unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_enqueued_job_is_performed_once_with_its_arguments() {
    logs();
    let (topic, group) = topic_and_group("jobs", 1).await;
    let (jobs, server) = start(app(
        config(&group),
        routes! { jobs (topic.as_str()) => [Step] },
    ));
    let run = unique("once");

    let enqueued = jobs.enqueue(&step(&run, 1)).await.unwrap();
    jobs.enqueue_many(&[step(&run, 2), step(&run, 3)])
        .await
        .unwrap();
    assert_eq!(enqueued.delivery.topic, topic);
    wait_for(
        Duration::from_secs(30),
        "the jobs' offsets committed",
        || committed_offsets(&group, &topic, 1) == vec![Some(3)],
    )
    .await;
    assert!(matches!(server.stop().await, Shutdown::Graceful));

    let runs: Vec<(u32, u32, bool)> = performed(&run)
        .iter()
        .map(|p| (p.n, p.attempt, p.succeeded))
        .collect();
    assert_eq!(runs, vec![(1, 1, true), (2, 1, true), (3, 1, true)]);
    let stored = read_partition(&topic, 0).await;
    let envelope = karafka::jobs::Envelope::decode(stored[0].raw_payload()).unwrap();
    assert_eq!(envelope.id(), enqueued.id);
    assert_eq!(envelope.job_type(), "Step");
    assert_eq!(envelope.arguments()["run"], run.as_str());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_of_one_key_keep_their_order_under_virtual_partitions() {
    logs();
    let (topic, group) = topic_and_group("ordered-jobs", 3).await;
    let (jobs, server) = start(app(
        config(&group),
        routes! {
            jobs (topic.as_str()) {
                jobs: [Step],
                virtual_partitions: VirtualPartitions::by_key().max_partitions(4),
                max_messages: 50,
            }
        },
    ));
    let run = unique("ordered");
    let steps: Vec<Step> = (0..300)
        .map(|n| Step {
            key: Some(format!("user-{}", n % 12)),
            ..step(&run, n)
        })
        .collect();
    jobs.enqueue_many(&steps).await.unwrap();

    wait_for(Duration::from_secs(60), "300 jobs performed", || {
        performed(&run).len() >= 300
    })
    .await;
    assert!(matches!(server.stop().await, Shutdown::Graceful));

    let performed = performed(&run);
    assert_eq!(performed.len(), 300, "each job once");
    for user in 0..12 {
        let key = format!("user-{user}");
        let of_key: Vec<&Performed> = performed
            .iter()
            .filter(|p| p.key.as_deref() == Some(key.as_str()))
            .collect();
        let order: Vec<u32> = of_key.iter().map(|p| p.n).collect();
        assert!(order.windows(2).all(|w| w[0] < w[1]), "{key}: {order:?}");
        assert!(
            of_key.iter().all(|p| p.partition == of_key[0].partition),
            "{key}'s jobs share a partition"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_job_is_retried_then_dead_lettered() {
    logs();
    let (topic, dlq, group) = topics_with_dlq("failing-jobs", 1).await;
    let (jobs, server) = start(app(config(&group), dead_lettering(&topic, &dlq, 2)));
    let run = unique("failing");

    let failing = Step {
        fails: u32::MAX,
        ..step(&run, 1)
    };
    jobs.enqueue(&failing).await.unwrap();
    // Enqueued once the first run failed, so the retries run the failing job alone.
    wait_for(Duration::from_secs(30), "the first run", || {
        !performed(&run).is_empty()
    })
    .await;
    jobs.enqueue(&step(&run, 2)).await.unwrap();
    wait_for(Duration::from_secs(30), "the next job", || {
        succeeded(&run) == vec![2]
    })
    .await;
    assert!(matches!(server.stop().await, Shutdown::Graceful));

    let attempts: Vec<u32> = performed(&run)
        .iter()
        .filter(|p| p.n == 1)
        .map(|p| p.attempt)
        .collect();
    assert_eq!(attempts, vec![1, 2, 3], "1 attempt + 2 retries");
    let dead = read_partition(&dlq, 0).await;
    assert_eq!(dead.len(), 1);
    assert_eq!(header(&dead[0], headers::OFFSET), "0");
    assert_eq!(header(&dead[0], headers::ATTEMPTS), "3");
    let error = header(&dead[0], headers::ERROR);
    assert!(
        error.starts_with("job `Step` (")
            && error.ends_with(&format!("on {topic}/0 at offset 0: step 1 is not ready")),
        "{error}"
    );
    let envelope = karafka::jobs::Envelope::decode(dead[0].raw_payload()).unwrap();
    assert_eq!(envelope.arguments()["n"], 1, "the dead letter is the job");
    assert_eq!(committed_offsets(&group, &topic, 1), vec![Some(2)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_types_and_malformed_envelopes_are_dead_lettered_at_once_with_the_reason() {
    logs();
    let (topic, dlq, group) = topics_with_dlq("poison-jobs", 1).await;
    // Retries would take minutes: 5 of them, 10 s apart at least.
    let config = Config {
        pause_timeout: Duration::from_secs(10),
        pause_max_timeout: Duration::from_secs(10),
        ..config(&group)
    };
    let started = Instant::now();
    let (jobs, server) = start(app(config, dead_lettering(&topic, &dlq, 5)));
    let run = unique("poison");
    producer()
        .produce_many_sync([
            Record::new(&topic, b"{\"version\": 1, \"type\":".to_vec()),
            Record::new(&topic, unknown_type()),
        ])
        .await
        .unwrap();
    jobs.enqueue(&step(&run, 3)).await.unwrap();

    wait_for(
        Duration::from_secs(9),
        "the job after them, without a retry's pause",
        || succeeded(&run) == vec![3],
    )
    .await;
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(matches!(server.stop().await, Shutdown::Graceful));

    let dead = read_partition(&dlq, 0).await;
    let origins: Vec<(&str, &str)> = dead
        .iter()
        .map(|m| (header(m, headers::TOPIC), header(m, headers::OFFSET)))
        .collect();
    assert_eq!(origins, vec![(topic.as_str(), "0"), (topic.as_str(), "1")]);
    let malformed = header(&dead[0], headers::ERROR);
    assert!(
        malformed.starts_with(&format!(
            "not retryable: {topic}/0 at offset 0: the payload is not a job envelope: EOF"
        )),
        "{malformed}"
    );
    assert_eq!(
        header(&dead[1], headers::ERROR),
        format!(
            "not retryable: {topic}/0 at offset 1: unknown job type `Nope` (this route \
             performs: Step)"
        )
    );
    assert_eq!(committed_offsets(&group, &topic, 1), vec![Some(3)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_dead_letter_queue_the_partition_stops_at_an_unknown_type_and_names_it() {
    logs();
    let (topic, group) = topic_and_group("stuck-jobs", 1).await;
    let events = Events::default();
    let app = App::builder()
        .config(config(&group))
        .routes(routes! { jobs (topic.as_str()) => [Step] })
        .listener(events.listener())
        .build()
        .expect("valid app");
    let (jobs, server) = start(app);
    let run = unique("stuck");
    jobs.enqueue(&step(&run, 1)).await.unwrap();
    producer()
        .produce_sync(Record::new(&topic, unknown_type()))
        .await
        .unwrap();
    jobs.enqueue(&step(&run, 3)).await.unwrap();

    let named = format!("{topic}/0 at offset 1: unknown job type `Nope`");
    let failures = || {
        events
            .snapshot()
            .into_iter()
            .filter(|event| {
                matches!(event, Event::ErrorOccurred { offset: Some(1), error, .. }
                    if error.contains(&named))
            })
            .count()
    };
    wait_for(
        Duration::from_secs(30),
        "the unknown job failing three times",
        || failures() >= 3,
    )
    .await;
    wait_for(
        Duration::from_secs(30),
        "the first job's offset committed",
        || committed_offsets(&group, &topic, 1) == vec![Some(1)],
    )
    .await;
    assert!(matches!(server.stop().await, Shutdown::Graceful));

    assert_eq!(
        succeeded(&run),
        vec![1],
        "nothing after the unknown job ran"
    );
    assert_eq!(committed_offsets(&group, &topic, 1), vec![Some(1)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_enqueued_for_later_is_performed_after_its_time() {
    let (topic, group) = topic_and_group("jobs-later", 1).await;
    let schedules = unique("jobs-schedules");
    create_topic(&schedules, 1).await;
    let routes = routes! { jobs (topic.as_str()) => [Step] }.scheduled_messages(
        ScheduledMessages::new(&schedules).group_id(format!("{group}-schedules")),
    );
    let (jobs, server) = start(app(config(&group), routes));
    let run = unique("later");

    let due = SystemTime::now() + Duration::from_secs(3);
    jobs.enqueue_at(&step(&run, 1), due).await.unwrap();
    wait_for(Duration::from_secs(30), "the job performed", || {
        succeeded(&run) == [1]
    })
    .await;
    let performed_at = SystemTime::now();
    assert!(performed_at >= due, "not performed before its time");
    assert!(matches!(server.stop().await, Shutdown::Graceful));
    assert_eq!(performed(&run).len(), 1, "performed once");
}
