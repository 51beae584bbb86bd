//! Background jobs in memory: performed once with their arguments, in order per key under
//! virtual partitions, retried then dead-lettered, and messages that can never run dead-lettered
//! at once (or, without a dead-letter queue, holding their partition). Also the routes' checks.

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::recorder::{runtime, runtime_of};
use crate::jobs::{EnqueueError, Job, JobContext};
use crate::middleware::dead_letter_queue::headers;
use crate::middleware::{DeadLetterQueue, VirtualPartitions};
use crate::routing::{Routes, ScheduledMessages, Topic};
use crate::testing::{TestError, TestRuntime};
use crate::{App, Config, Record};

/// One job performed: `(run, key, n, attempt)`, the run naming the test.
type Performed = (String, Option<String>, u32, u32);

/// What jobs performed.
static PERFORMED: Mutex<Vec<Performed>> = Mutex::new(Vec::new());

/// Records itself; fails its first `fails` attempts.
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
        if ctx.attempt() <= self.fails {
            anyhow::bail!("step {} is not ready", self.n);
        }
        // Lets the virtual partitions of a batch interleave.
        tokio::task::yield_now().await;
        PERFORMED
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((self.run.clone(), self.key.clone(), self.n, ctx.attempt()));
        Ok(())
    }
}

/// Enqueues the steps `1..=steps` of its run.
#[derive(Serialize, Deserialize)]
struct FanOut {
    run: String,
    steps: u32,
}

#[async_trait]
impl Job for FanOut {
    async fn perform(&self, ctx: &mut JobContext<'_>) -> anyhow::Result<()> {
        let steps: Vec<Step> = (1..=self.steps).map(|n| step(&self.run, n)).collect();
        ctx.jobs().enqueue_many(&steps).await?;
        Ok(())
    }
}

fn step(run: &str, n: u32) -> Step {
    Step {
        run: run.into(),
        key: None,
        n,
        fails: 0,
    }
}

/// `(key, n, attempt)` of what the run `run` performed, in order.
fn performed(run: &str) -> Vec<(Option<String>, u32, u32)> {
    PERFORMED
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .iter()
        .filter(|(of, ..)| of == run)
        .map(|(_, key, n, attempt)| (key.clone(), *n, *attempt))
        .collect()
}

fn ns(run: &str) -> Vec<u32> {
    performed(run).into_iter().map(|(_, n, _)| n).collect()
}

/// An envelope of a job type no route registers.
fn unknown_envelope() -> Vec<u8> {
    serde_json::json!({
        "version": 1, "type": "Nope", "id": "1", "arguments": {},
        "enqueued_at": "2026-01-01T00:00:00.000Z", "attempt": 1,
    })
    .to_string()
    .into_bytes()
}

/// A runtime performing `Step` jobs on `topic`, dead-lettered to `<topic>_dlq` after
/// `max_retries`.
fn dead_lettering(topic: &str, max_retries: u32) -> TestRuntime {
    runtime(
        Topic::new(topic).job::<Step>().dead_letter_queue(
            DeadLetterQueue::new(format!("{topic}_dlq")).max_retries(max_retries),
        ),
    )
}

#[tokio::test(start_paused = true)]
async fn an_enqueued_job_is_performed_once_with_its_arguments_and_marked() {
    let runtime = runtime(Topic::new("jobs").job::<Step>());
    let jobs = runtime.jobs();
    assert_eq!(jobs.topic_of::<Step>(), Some("jobs"));
    let enqueued = jobs.enqueue(&step("once", 7)).await.unwrap();
    jobs.enqueue_many(&[step("once", 8), step("once", 9)])
        .await
        .unwrap();
    runtime.consume("jobs").await.unwrap();
    runtime.consume("jobs").await.unwrap();

    assert_eq!(
        performed("once"),
        vec![(None, 7, 1), (None, 8, 1), (None, 9, 1)]
    );
    assert_eq!(runtime.committed("jobs", 0), Some(3));
    let first = &runtime.produced("jobs")[0];
    let envelope = crate::jobs::Envelope::decode(first.raw_payload()).unwrap();
    assert_eq!(envelope.id(), enqueued.id);
    assert_eq!(envelope.job_type(), "Step");
    assert_eq!(envelope.attempt(), 1);
    assert_eq!(envelope.arguments()["n"], 7);
}

#[tokio::test(start_paused = true)]
async fn a_job_enqueues_jobs_of_another_topic() {
    let runtime = super::recorder::runtime_of(
        App::builder().routes(
            Routes::new()
                .topic(Topic::new("fan_out").job::<FanOut>())
                .topic(Topic::new("steps").job::<Step>()),
        ),
    );
    runtime
        .jobs()
        .enqueue(&FanOut {
            run: "fan_out".into(),
            steps: 3,
        })
        .await
        .unwrap();
    runtime.consume("fan_out").await.unwrap();
    runtime.consume("steps").await.unwrap();

    assert_eq!(ns("fan_out"), vec![1, 2, 3]);
    assert_eq!(runtime.produced("steps").len(), 3);
}

#[tokio::test(start_paused = true)]
async fn jobs_of_one_key_keep_their_order_under_virtual_partitions() {
    let runtime = runtime(
        Topic::new("ordered")
            .job::<Step>()
            .virtual_partitions(VirtualPartitions::by_key().max_partitions(4)),
    );
    let jobs: Vec<Step> = (0..40)
        .map(|n| Step {
            key: Some(format!("k{}", n % 5)),
            ..step("ordered", n)
        })
        .collect();
    runtime.jobs().enqueue_many(&jobs).await.unwrap();
    runtime.consume("ordered").await.unwrap();

    let performed = performed("ordered");
    assert_eq!(performed.len(), 40);
    for key in 0..5 {
        let key = format!("k{key}");
        let of_key: Vec<u32> = performed
            .iter()
            .filter(|(k, ..)| k.as_deref() == Some(key.as_str()))
            .map(|(_, n, _)| *n)
            .collect();
        assert!(of_key.windows(2).all(|w| w[0] < w[1]), "{key}: {of_key:?}");
    }
    let record_keys: Vec<Option<String>> = runtime
        .produced("ordered")
        .iter()
        .take(2)
        .map(|m| m.key().map(|k| String::from_utf8_lossy(k).into_owned()))
        .collect();
    assert_eq!(record_keys, vec![Some("k0".into()), Some("k1".into())]);
}

#[tokio::test(start_paused = true)]
async fn a_failing_job_is_retried_then_dead_lettered_and_the_next_one_runs() {
    let runtime = dead_lettering("retried", 1);
    let failing = Step {
        fails: u32::MAX,
        ..step("retried", 1)
    };
    let flaky = Step {
        fails: 1,
        ..step("retried", 2)
    };
    let jobs = runtime.jobs();
    jobs.enqueue(&failing).await.unwrap();
    jobs.enqueue(&flaky).await.unwrap();

    assert!(runtime.consume("retried").await.is_err(), "attempt 1 fails");
    let flaky_failed = runtime.consume("retried").await;
    assert!(
        matches!(
            flaky_failed,
            Err(TestError::Failed {
                offset: 1,
                attempt: 1,
                ..
            })
        ),
        "the retry dead-letters the failing job, then the flaky one fails its first attempt: \
         {flaky_failed:?}"
    );
    runtime.consume("retried").await.unwrap();

    let dead = runtime.produced("retried_dlq");
    assert_eq!(dead.len(), 1);
    let error = dead[0]
        .headers()
        .get_str(headers::ERROR)
        .unwrap_or_default();
    assert!(
        error.starts_with("job `Step` (")
            && error.contains("retried/0 at offset 0: step 1 is not ready"),
        "{error}"
    );
    assert_eq!(
        ns("retried"),
        vec![2],
        "the failing job never succeeded, the flaky one on its retry"
    );
    assert_eq!(runtime.committed("retried", 0), Some(2));
}

#[tokio::test(start_paused = true)]
async fn unknown_types_and_malformed_envelopes_are_dead_lettered_at_once_with_the_reason() {
    let runtime = dead_lettering("poison", 5);
    runtime
        .produce(Record::new("poison", b"{not json".to_vec()))
        .unwrap();
    runtime
        .produce(Record::new("poison", unknown_envelope()))
        .unwrap();
    runtime.jobs().enqueue(&step("poison", 3)).await.unwrap();

    runtime
        .consume("poison")
        .await
        .expect("no retries: one consume dispatches both");

    let dead = runtime.produced("poison_dlq");
    let errors: Vec<&str> = dead
        .iter()
        .map(|m| m.headers().get_str(headers::ERROR).unwrap_or_default())
        .collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(
        errors[0]
            .starts_with("not retryable: poison/0 at offset 0: the payload is not a job envelope"),
        "{}",
        errors[0]
    );
    assert_eq!(
        errors[1],
        "not retryable: poison/0 at offset 1: unknown job type `Nope` (this route performs: Step)"
    );
    assert_eq!(ns("poison"), vec![3]);
    assert_eq!(runtime.committed("poison", 0), Some(3));
}

#[tokio::test(start_paused = true)]
async fn without_a_dead_letter_queue_an_unknown_type_holds_its_partition_and_says_where() {
    let runtime = runtime(Topic::new("held").job::<Step>());
    runtime.jobs().enqueue(&step("held", 1)).await.unwrap();
    runtime
        .produce(Record::new("held", unknown_envelope()))
        .unwrap();
    runtime.jobs().enqueue(&step("held", 2)).await.unwrap();

    for _ in 0..3 {
        match runtime.consume("held").await {
            Err(TestError::Failed { offset, error, .. }) => {
                assert_eq!(offset, 1);
                assert!(
                    error.contains("held/0 at offset 1: unknown job type `Nope`"),
                    "{error}"
                );
            }
            other => panic!("the partition stays at offset 1: {other:?}"),
        }
    }
    assert_eq!(ns("held"), vec![1], "nothing after the unknown job runs");
    assert_eq!(runtime.committed("held", 0), Some(1));
}

/// The app of `routes`, or why it does not build.
fn build(routes: Routes) -> Result<App, String> {
    App::builder()
        .config(Config::default().kafka("bootstrap.servers", "127.0.0.1:1"))
        .routes(routes)
        .build()
        .map_err(|error| error.to_string())
}

#[derive(Serialize, Deserialize)]
struct AlsoStep;

#[async_trait]
impl Job for AlsoStep {
    fn name() -> &'static str {
        "Step"
    }

    async fn perform(&self, _: &mut JobContext<'_>) -> anyhow::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn routes_refuse_ambiguous_jobs_and_enqueueing_names_an_unrouted_type() {
    let error = |routes| {
        build(routes)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    };
    assert_eq!(
        error(
            Routes::new().topic(
                Topic::new("a")
                    .job::<Step>()
                    .consumer::<crate::consumer::Noop>()
            )
        ),
        "topic `a` performs jobs and also has the consumer `Noop`: a jobs topic's consumer is the \
         built-in job consumer; route the consumer on a topic of its own"
    );
    assert!(
        error(Routes::new().topic(Topic::new("a").job::<Step>().job::<AlsoStep>()))
            .starts_with("topic `a` registers two job types named `Step`")
    );
    assert!(error(
        Routes::new()
            .topic(Topic::new("a").job::<Step>())
            .topic(Topic::new("b").job::<Step>())
    )
    .starts_with("job type `Step` is registered on topics `a` and `b`"));

    let app = build(Routes::new().topic(Topic::new("a").job::<AlsoStep>())).unwrap();
    // `AlsoStep` is named `Step`: routed. A type of another name is not.
    #[derive(Serialize, Deserialize)]
    struct Unrouted;
    #[async_trait]
    impl Job for Unrouted {
        async fn perform(&self, _: &mut JobContext<'_>) -> anyhow::Result<()> {
            Ok(())
        }
    }
    assert!(matches!(
        app.jobs().enqueue(&Unrouted).await,
        Err(EnqueueError::NotRouted { job }) if job == "Unrouted"
    ));
}

#[tokio::test(start_paused = true)]
async fn a_job_enqueued_for_later_is_performed_after_its_time() {
    let runtime = runtime_of(
        App::builder().routes(
            Routes::new()
                .topic(Topic::new("later").job::<Step>())
                .scheduled_messages(ScheduledMessages::new("schedules").group_id("sm")),
        ),
    );
    let at = SystemTime::now() + Duration::from_secs(3);
    let scheduled = runtime
        .jobs()
        .enqueue_at(&step("later", 1), at)
        .await
        .unwrap();
    assert!(scheduled.schedule.as_str().starts_with("later-"));
    runtime.consume("schedules").await.unwrap();
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    assert!(runtime.produced("later").is_empty(), "not before its time");
    // Virtual time: the schedule's ticks of the next seconds pass at once.
    tokio::time::sleep(Duration::from_secs(5)).await;
    runtime.consume("later").await.unwrap();
    assert_eq!(ns("later"), [1]);
}

#[tokio::test(start_paused = true)]
async fn enqueueing_for_later_without_scheduled_messages_says_so() {
    let runtime = runtime(Topic::new("unscheduled").job::<Step>());
    let error = runtime
        .jobs()
        .enqueue_at(&step("unscheduled", 1), SystemTime::now())
        .await
        .unwrap_err();
    assert!(matches!(error, EnqueueError::Schedule { .. }), "{error}");
    assert!(error.to_string().contains("scheduled_messages"), "{error}");
}
