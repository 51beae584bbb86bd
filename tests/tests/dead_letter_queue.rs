//! Dead-letter queues against the real broker: dispatch after retries with headers and order,
//! failed writes, independent counting, manual dispatch, skipping, fatal errors, the strategy hook
//! and the rate guard.

use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use karafka::admin::Admin;
use karafka::middleware::dead_letter_queue::headers;
use karafka::middleware::{DeadLetterQueue, Decision, Fatal};
use karafka::routing::{Routes, Topic};
use karafka::{async_trait, Consumer, Context, Message, Record, Shutdown};
use karafka_integration_tests::*;
use serde_json::{json, Value};

/// How a test consumer treats a message whose payload has `"bad": true`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum OnBad {
    /// Return an error.
    Fail,
    /// Return an error wrapped in `Fatal`.
    FailFatally,
    /// Send it to the dead-letter queue by hand and go on.
    Dispatch,
}

/// Records good messages; treats bad ones per `on_bad`. With `mark_each`, marks messages as it
/// goes; with `flaps`, every message fails its first attempt and succeeds afterwards.
#[derive(Clone)]
struct Judge {
    log: Log,
    on_bad: OnBad,
    mark_each: bool,
    flaps: bool,
    failed_once: Arc<Mutex<HashSet<i64>>>,
    attempts_on_bad: Arc<AtomicU32>,
}

impl Judge {
    fn new(log: &Log, on_bad: OnBad) -> Self {
        Self {
            log: log.clone(),
            on_bad,
            mark_each: true,
            flaps: false,
            failed_once: Arc::default(),
            attempts_on_bad: Arc::default(),
        }
    }
}

#[async_trait]
impl Consumer for Judge {
    async fn consume(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        for message in ctx.messages() {
            let payload: Value = message.payload()?;
            if self.flaps && self.failed_once.lock().unwrap().insert(message.offset()) {
                anyhow::bail!("flapping dependency at {}", message.offset());
            }
            if payload["bad"] == json!(true) {
                self.attempts_on_bad.fetch_add(1, Ordering::SeqCst);
                match self.on_bad {
                    OnBad::Fail => anyhow::bail!("bad payload {}", payload["n"]),
                    OnBad::FailFatally => {
                        return Err(Fatal::new(format!("bad payload {}", payload["n"])).into())
                    }
                    OnBad::Dispatch => {
                        ctx.dispatch_to_dlq(message).await?;
                        continue;
                    }
                }
            }
            self.log.record(message, ctx.attempt());
            if self.mark_each {
                ctx.mark_as_consumed(message);
            }
        }
        Ok(())
    }
}

/// `n` payloads numbered from 0; those listed in `bad` carry `"bad": true`.
fn payloads(n: usize, bad: &[usize]) -> Vec<String> {
    (0..n)
        .map(|i| json!({"n": i, "bad": bad.contains(&i)}).to_string())
        .collect()
}

async fn produce_payloads(topic: &str, payloads: &[String]) {
    let records = payloads.iter().enumerate().map(|(i, payload)| {
        Record::new(topic, payload.as_bytes())
            .partition(0)
            .key(format!("key-{i}"))
            .header("trace", format!("t{i}"))
    });
    producer().produce_many_sync(records).await.unwrap();
}

fn admin() -> Admin {
    Admin::new(&config("dlq-admin")).unwrap()
}

/// Everything in partition 0 of `topic`, as (payload `n`, headers).
async fn dead_letters(topic: &str) -> Vec<(Value, BTreeMap<String, String>, Option<Vec<u8>>)> {
    let (_, end) = admin().watermarks(topic, 0).await.unwrap();
    admin()
        .read_topic(topic, 0, 0, end as usize)
        .await
        .unwrap()
        .iter()
        .map(|message: &Message| {
            let headers = message
                .headers()
                .iter()
                .map(|h| {
                    (
                        h.key.clone(),
                        String::from_utf8_lossy(h.value.as_deref().unwrap_or_default())
                            .into_owned(),
                    )
                })
                .collect();
            (
                message.payload::<Value>().unwrap()["n"].clone(),
                headers,
                message.key().map(<[u8]>::to_vec),
            )
        })
        .collect()
}

/// Topics and a group for one test; the dead-letter topic has two partitions.
async fn setup(name: &str) -> (String, String, String) {
    topics_with_dlq(name, 2).await
}

fn handled_numbers(log: &Log) -> Vec<i64> {
    log.snapshot().iter().map(|h| h.offset).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_messages_go_to_the_dlq_after_their_retries_with_headers_in_order() {
    logs();
    let (source, dlq, group) = setup("dlq").await;
    produce_payloads(&source, &payloads(5, &[1, 3])).await;
    let log = Log::default();
    let judge = Judge::new(&log, OnBad::Fail);
    let attempts = Arc::clone(&judge.attempts_on_bad);
    let server = RunningServer::start(
        config(&group),
        Routes::new().topic(
            Topic::new(&source)
                .dead_letter_queue(DeadLetterQueue::new(&dlq).max_retries(2))
                .consumer_with(move || judge.clone()),
        ),
    );
    log.wait_until(Duration::from_secs(30), "the last message", |h| {
        h.iter().any(|h| h.offset == 4)
    })
    .await;
    assert!(matches!(server.stop().await, Shutdown::Graceful));

    assert_eq!(
        handled_numbers(&log),
        vec![0, 2, 4],
        "good messages once each, in order"
    );
    assert_eq!(
        attempts.load(Ordering::SeqCst),
        6,
        "each bad message: 1 attempt + 2 retries"
    );
    assert_eq!(committed_offsets(&group, &source, 1), vec![Some(5)]);
    let letters = dead_letters(&dlq).await;
    let numbers: Vec<Value> = letters.iter().map(|(n, _, _)| n.clone()).collect();
    assert_eq!(
        numbers,
        vec![json!(1), json!(3)],
        "in their original order, in one partition"
    );
    let (_, first, key) = &letters[0];
    assert_eq!(key.as_deref(), Some(&b"key-1"[..]));
    assert_eq!(first["trace"], "t1", "original headers kept");
    assert_eq!(first[headers::TOPIC], source);
    assert_eq!(first[headers::PARTITION], "0");
    assert_eq!(first[headers::OFFSET], "1");
    assert_eq!(first[headers::CONSUMER_GROUP], group);
    assert_eq!(first[headers::ATTEMPTS], "3");
    assert!(first[headers::ERROR].contains("bad payload 1"), "{first:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_marks_the_failing_message_is_found_one_at_a_time() {
    let (source, dlq, group) = setup("dlq-pinpoint").await;
    produce_payloads(&source, &payloads(4, &[2])).await;
    let log = Log::default();
    let judge = Judge {
        mark_each: false,
        ..Judge::new(&log, OnBad::Fail)
    };
    let runs_of_bad = Arc::clone(&judge.attempts_on_bad);
    let server = RunningServer::start(
        config(&group),
        Routes::new().topic(
            Topic::new(&source)
                .dead_letter_queue(DeadLetterQueue::new(&dlq).max_retries(1))
                .consumer_with(move || judge.clone()),
        ),
    );
    log.wait_until(Duration::from_secs(30), "the last message", |h| {
        h.iter().any(|h| h.offset == 3)
    })
    .await;
    assert!(matches!(server.stop().await, Shutdown::Graceful));
    let letters = dead_letters(&dlq).await;
    let numbers: Vec<Value> = letters.iter().map(|(n, _, _)| n.clone()).collect();
    assert_eq!(
        numbers,
        vec![json!(2)],
        "only the failing message, though the batch failed"
    );
    // 1 attempt + 1 retry as part of its batch, then (when the batch held more than it) once
    // alone to find it: original_attempts counts every run.
    let runs = runs_of_bad.load(Ordering::SeqCst);
    assert!((2..=3).contains(&runs), "{runs} runs");
    assert_eq!(letters[0].1[headers::ATTEMPTS], runs.to_string());
    assert_eq!(committed_offsets(&group, &source, 1), vec![Some(4)]);
    let handled: HashSet<i64> = handled_numbers(&log).into_iter().collect();
    assert_eq!(handled, HashSet::from([0, 1, 3]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_dlq_write_leaves_the_message_unmarked_until_it_succeeds() {
    let (source, dlq, group) = setup("dlq-write").await;
    // Records over 64 bytes are refused: every dead-letter write fails.
    let admin = admin();
    admin
        .alter_topic_settings(
            &dlq,
            &[("max.message.bytes".to_owned(), "64".to_owned())].into(),
        )
        .await
        .unwrap();
    produce_payloads(&source, &payloads(3, &[1])).await;
    let log = Log::default();
    let judge = Judge::new(&log, OnBad::Fail);
    let attempts = Arc::clone(&judge.attempts_on_bad);
    let server = RunningServer::start(
        config(&group),
        Routes::new().topic(
            Topic::new(&source)
                .dead_letter_queue(DeadLetterQueue::new(&dlq).max_retries(0))
                .consumer_with(move || judge.clone()),
        ),
    );
    while attempts.load(Ordering::SeqCst) < 3 {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(handled_numbers(&log), vec![0], "later messages wait");
    assert_eq!(
        committed_offsets(&group, &source, 1),
        vec![Some(1)],
        "the message is not marked"
    );

    admin
        .alter_topic_settings(
            &dlq,
            &[("max.message.bytes".to_owned(), "1048588".to_owned())].into(),
        )
        .await
        .unwrap();
    log.wait_until(Duration::from_secs(30), "the rest", |h| {
        h.iter().any(|h| h.offset == 2)
    })
    .await;
    assert!(matches!(server.stop().await, Shutdown::Graceful));
    let numbers: Vec<Value> = dead_letters(&dlq)
        .await
        .into_iter()
        .map(|(n, _, _)| n)
        .collect();
    assert_eq!(
        numbers,
        vec![json!(1)],
        "written once, once the topic accepted it"
    );
    assert_eq!(committed_offsets(&group, &source, 1), vec![Some(3)]);
}

async fn flapping_run(independent: bool) -> (Vec<Value>, Vec<i64>) {
    let (source, dlq, group) = setup("dlq-flapping").await;
    produce_payloads(&source, &payloads(5, &[])).await;
    let log = Log::default();
    let judge = Judge {
        flaps: true,
        ..Judge::new(&log, OnBad::Fail)
    };
    let server = RunningServer::start(
        config(&group),
        Routes::new().topic(
            Topic::new(&source)
                .dead_letter_queue(
                    DeadLetterQueue::new(&dlq)
                        .max_retries(1)
                        .independent(independent),
                )
                .consumer_with(move || judge.clone()),
        ),
    );
    let done = |group: &str, source: &str| committed_offsets(group, source, 1) == vec![Some(5)];
    for _ in 0..300 {
        if done(&group, &source) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(matches!(server.stop().await, Shutdown::Graceful));
    assert!(
        done(&group, &source),
        "the partition was consumed to its end"
    );
    let letters = dead_letters(&dlq)
        .await
        .into_iter()
        .map(|(n, _, _)| n)
        .collect();
    (letters, handled_numbers(&log))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn independent_counting_keeps_a_flapping_dependency_from_filling_the_dlq() {
    let (letters, handled) = flapping_run(true).await;
    assert!(letters.is_empty(), "{letters:?}");
    assert_eq!(handled, vec![0, 1, 2, 3, 4]);
    let (letters, _) = flapping_run(false).await;
    assert!(
        !letters.is_empty(),
        "counting per batch sends healthy messages to the dead-letter queue"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consumers_dispatch_by_hand_skip_and_never_dispatch_fatal_errors() {
    // By hand: no error, no retry.
    let (source, dlq, group) = setup("dlq-manual").await;
    produce_payloads(&source, &payloads(4, &[1, 2])).await;
    let log = Log::default();
    let judge = Judge::new(&log, OnBad::Dispatch);
    let server = RunningServer::start(
        config(&group),
        Routes::new().topic(
            Topic::new(&source)
                .dead_letter_queue(DeadLetterQueue::new(&dlq))
                .consumer_with(move || judge.clone()),
        ),
    );
    log.wait_until(Duration::from_secs(30), "the last message", |h| {
        h.iter().any(|h| h.offset == 3)
    })
    .await;
    assert!(matches!(server.stop().await, Shutdown::Graceful));
    let numbers: Vec<Value> = dead_letters(&dlq)
        .await
        .into_iter()
        .map(|(n, _, _)| n)
        .collect();
    assert_eq!(numbers, vec![json!(1), json!(2)]);
    assert_eq!(handled_numbers(&log), vec![0, 3]);
    assert_eq!(committed_offsets(&group, &source, 1), vec![Some(4)]);

    // Skipping: marked and logged, sent nowhere.
    let (source, _, group) = setup("dlq-skip").await;
    produce_payloads(&source, &payloads(3, &[1])).await;
    let log = Log::default();
    let judge = Judge::new(&log, OnBad::Fail);
    let server = RunningServer::start(
        config(&group),
        Routes::new().topic(
            Topic::new(&source)
                .dead_letter_queue(DeadLetterQueue::skip().max_retries(1))
                .consumer_with(move || judge.clone()),
        ),
    );
    log.wait_until(Duration::from_secs(30), "the last message", |h| {
        h.iter().any(|h| h.offset == 2)
    })
    .await;
    assert!(matches!(server.stop().await, Shutdown::Graceful));
    assert_eq!(handled_numbers(&log), vec![0, 2]);
    assert_eq!(committed_offsets(&group, &source, 1), vec![Some(3)]);

    // Fatal: never dispatched, the partition stays paused at the message.
    let (source, dlq, group) = setup("dlq-fatal").await;
    produce_payloads(&source, &payloads(3, &[1])).await;
    let log = Log::default();
    let judge = Judge::new(&log, OnBad::FailFatally);
    let attempts = Arc::clone(&judge.attempts_on_bad);
    let server = RunningServer::start(
        config(&group),
        Routes::new().topic(
            Topic::new(&source)
                .dead_letter_queue(DeadLetterQueue::new(&dlq).max_retries(0))
                .consumer_with(move || judge.clone()),
        ),
    );
    while attempts.load(Ordering::SeqCst) < 4 {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(matches!(server.stop().await, Shutdown::Graceful));
    assert!(dead_letters(&dlq).await.is_empty());
    assert_eq!(handled_numbers(&log), vec![0]);
    assert_eq!(committed_offsets(&group, &source, 1), vec![Some(1)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_strategy_decides_per_error_and_the_guard_stops_a_flood() {
    let (source, dlq, group) = setup("dlq-strategy").await;
    produce_payloads(&source, &payloads(4, &[1, 2])).await;
    let log = Log::default();
    let judge = Judge::new(&log, OnBad::Fail);
    let attempts = Arc::clone(&judge.attempts_on_bad);
    // Payload 1 goes to the dead-letter queue at once; payload 2 is skipped after one retry.
    let strategy = |error: &(dyn std::error::Error + 'static), attempt: u32| match error.to_string()
    {
        text if text.contains("payload 1") => Decision::Dispatch,
        _ if attempt < 2 => Decision::Retry,
        _ => Decision::Skip,
    };
    let server = RunningServer::start(
        config(&group),
        Routes::new().topic(
            Topic::new(&source)
                .dead_letter_queue(DeadLetterQueue::new(&dlq).strategy(strategy))
                .consumer_with(move || judge.clone()),
        ),
    );
    log.wait_until(Duration::from_secs(30), "the last message", |h| {
        h.iter().any(|h| h.offset == 3)
    })
    .await;
    assert!(matches!(server.stop().await, Shutdown::Graceful));
    let numbers: Vec<Value> = dead_letters(&dlq)
        .await
        .into_iter()
        .map(|(n, _, _)| n)
        .collect();
    assert_eq!(numbers, vec![json!(1)]);
    assert_eq!(attempts.load(Ordering::SeqCst), 3, "1 once, 2 twice");
    assert_eq!(committed_offsets(&group, &source, 1), vec![Some(4)]);

    // Every message fails: at most half of any 4 may go to the dead-letter queue.
    let (source, dlq, group) = setup("dlq-guard").await;
    produce_payloads(&source, &payloads(6, &[0, 1, 2, 3, 4, 5])).await;
    let log = Log::default();
    let judge = Judge::new(&log, OnBad::Fail);
    let attempts = Arc::clone(&judge.attempts_on_bad);
    let server = RunningServer::start(
        config(&group),
        Routes::new().topic(
            Topic::new(&source)
                .dead_letter_queue(DeadLetterQueue::new(&dlq).max_retries(0).guard(0.5, 4))
                .consumer_with(move || judge.clone()),
        ),
    );
    while attempts.load(Ordering::SeqCst) < 5 {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(matches!(server.stop().await, Shutdown::Graceful));
    let numbers: Vec<Value> = dead_letters(&dlq)
        .await
        .into_iter()
        .map(|(n, _, _)| n)
        .collect();
    assert_eq!(
        numbers,
        vec![json!(0), json!(1)],
        "the guard stopped after two"
    );
    assert_eq!(
        committed_offsets(&group, &source, 1),
        vec![Some(2)],
        "paused at the third"
    );
}
