use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use tokio::time::Instant;

use super::recorder::{recorded, runtime, Script};
use crate::middleware::dead_letter_queue::headers;
use crate::middleware::{DeadLetterQueue, VirtualPartitions};
use crate::routing::Topic;
use crate::testing::TestRuntime;
use crate::{Consumer, Context, Record};

#[tokio::test(start_paused = true)]
async fn keys_keep_their_order_and_a_failure_collapses_until_past_the_batch() {
    let (topic, log) = recorded(
        "clicks",
        Script {
            fail_at: Some(3),
            fail_attempts: 1,
            marks_each: true,
            ..Script::default()
        },
    );
    let runtime = runtime(topic.virtual_partitions(VirtualPartitions::by_key().max_partitions(2)));
    for n in 0..6 {
        let key = if n % 2 == 0 { "a" } else { "b" };
        runtime
            .produce(Record::new("clicks", n.to_string()).key(key))
            .expect("produced");
    }

    assert!(runtime.consume("clicks").await.is_err(), "offset 3 fails");
    let parallel = log.batches();
    assert!(parallel.iter().all(|batch| !batch.collapsed));
    let mut by_group: BTreeMap<bool, Vec<i64>> = BTreeMap::new();
    for batch in &parallel {
        by_group
            .entry(batch.offsets[0] % 2 == 0)
            .or_default()
            .extend(&batch.offsets);
    }
    assert_eq!(
        by_group[&true],
        vec![0, 2, 4],
        "key a in order, in one virtual partition"
    );
    assert_eq!(by_group[&false], vec![1, 3, 5], "key b in order");
    // Marks of virtual partitions store only what all of them handled: 0, 1 and 2.
    assert_eq!(runtime.committed("clicks", 0), Some(3));

    runtime
        .consume("clicks")
        .await
        .expect("the collapsed retry succeeds");
    let retry = log.batches()[parallel.len()..].to_vec();
    assert_eq!(retry.len(), 1, "{retry:?}");
    assert!(retry[0].collapsed, "the retry runs collapsed");
    assert_eq!(
        retry[0].offsets,
        vec![3, 5],
        "skipping what was handled (4)"
    );
    assert_eq!(runtime.committed("clicks", 0), Some(6));
}

/// One message as a [`Timed`] consumer handled it, in virtual time since the test began.
#[derive(Debug, Clone)]
struct Handling {
    offset: i64,
    key: String,
    collapsed: bool,
    started: Duration,
    ended: Duration,
    failed: bool,
    /// The partition's stored offset (the next to consume) as the handling ended.
    stored: Option<i64>,
}

/// Handles each message in 10 ms (`slow` keys in 100 ms), failing `fails` (offset) on the first
/// attempt; records every handling.
struct Timed {
    began: Instant,
    fails: Option<i64>,
    log: Arc<Mutex<Vec<Handling>>>,
}

#[async_trait]
impl Consumer for Timed {
    async fn consume(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        for message in ctx.messages() {
            let key = String::from_utf8_lossy(message.key().unwrap_or_default()).into_owned();
            let started = self.began.elapsed();
            let work = if key.starts_with("slow") { 100 } else { 10 };
            tokio::time::sleep(Duration::from_millis(work)).await;
            let failed = self.fails == Some(message.offset()) && ctx.attempt() == 1;
            self.log
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(Handling {
                    offset: message.offset(),
                    key,
                    collapsed: ctx.collapsed(),
                    started,
                    ended: self.began.elapsed(),
                    failed,
                    stored: ctx.insights().and_then(|insights| insights.stored_offset),
                });
            if failed {
                anyhow::bail!("offset {} failed", message.offset());
            }
            ctx.mark_as_consumed(message);
        }
        Ok(())
    }
}

/// A runtime consuming `keys` (one message each, in order) from `topic` in batches of two, with
/// two virtual partitions, streaming or not; and the handlings it records.
fn timed(
    topic: &str,
    keys: &[&str],
    fails: Option<i64>,
    streaming: bool,
) -> (TestRuntime, Arc<Mutex<Vec<Handling>>>) {
    timed_with(topic, keys, fails, streaming, |route| route)
}

/// [`timed`], with more of the route from `route`.
fn timed_with(
    topic: &str,
    keys: &[&str],
    fails: Option<i64>,
    streaming: bool,
    route: impl FnOnce(Topic) -> Topic,
) -> (TestRuntime, Arc<Mutex<Vec<Handling>>>) {
    let log = Arc::new(Mutex::new(Vec::new()));
    let shared = Arc::clone(&log);
    let began = Instant::now();
    let route_more = route;
    let route = Topic::new(topic)
        .consumer_with(move || Timed {
            began,
            fails,
            log: Arc::clone(&shared),
        })
        .max_messages(2)
        .virtual_partitions(
            VirtualPartitions::by_key()
                .max_partitions(2)
                .streaming(streaming),
        );
    let runtime = runtime(route_more(route));
    for (n, key) in keys.iter().enumerate() {
        runtime
            .produce(Record::new(topic, n.to_string()).key(*key).partition(0))
            .unwrap_or_else(|error| panic!("producing to {topic}: {error}"));
    }
    (runtime, log)
}

fn handlings(log: &Mutex<Vec<Handling>>) -> Vec<Handling> {
    log.lock().unwrap_or_else(PoisonError::into_inner).clone()
}

/// The first handling of `offset`.
fn handling(handled: &[Handling], offset: i64) -> &Handling {
    handled
        .iter()
        .find(|h| h.offset == offset)
        .unwrap_or_else(|| panic!("offset {offset} handled: {handled:?}"))
}

/// The offsets handled without failing, ascending, repeats kept.
fn succeeded(handled: &[Handling]) -> Vec<i64> {
    let mut offsets: Vec<i64> = handled
        .iter()
        .filter(|h| !h.failed)
        .map(|h| h.offset)
        .collect();
    offsets.sort_unstable();
    offsets
}

/// Per key, each handling starts after the one before it ended, in offset order (a retry of a
/// failed message may repeat it).
fn assert_in_key_order(handlings: &[Handling]) {
    let mut by_key: BTreeMap<&str, Vec<&Handling>> = BTreeMap::new();
    for handling in handlings {
        by_key.entry(&handling.key).or_default().push(handling);
    }
    for (key, mut handled) in by_key {
        handled.sort_by_key(|handling| handling.started);
        for pair in handled.windows(2) {
            assert!(
                pair[1].started >= pair[0].ended && pair[1].offset >= pair[0].offset,
                "key {key} out of order: {pair:?}"
            );
        }
    }
}

#[tokio::test(start_paused = true)]
async fn a_free_virtual_partition_goes_on_with_the_next_batch_while_a_slow_one_runs() {
    // Batches of two: [slow, fast], [fast, fast], [fast, fast].
    let keys = ["slow", "fast", "fast", "fast", "fast", "fast"];
    let (runtime, log) = timed("streamed", &keys, None, true);
    runtime.consume("streamed").await.expect("all handled");
    let handled = handlings(&log);
    assert_in_key_order(&handled);
    let slow = handling(&handled, 0);
    let next_batch = handling(&handled, 2);
    assert!(
        next_batch.started < slow.ended,
        "the next batch starts while the slow message runs: {handled:?}"
    );
    assert_eq!(handled.len(), 6, "each message once: {handled:?}");
    assert_eq!(runtime.committed("streamed", 0), Some(6));

    // The same without streaming waits for the slow message at the end of its batch.
    let (runtime, log) = timed("barrier", &keys, None, false);
    runtime.consume("barrier").await.expect("all handled");
    let handled = handlings(&log);
    let slow = handling(&handled, 0);
    let next_batch = handling(&handled, 2);
    assert!(next_batch.started >= slow.ended, "{handled:?}");
}

#[tokio::test(start_paused = true)]
async fn a_failure_defers_the_later_batches_and_the_retry_keeps_every_key_in_order() {
    // Batches of two: [a (fails once), b], [b, a], [b, b]. The second batch lines up while the
    // first runs: its b runs, its a waits behind the failing one and must not overtake it.
    let keys = ["slow-a", "b", "b", "slow-a", "b", "b"];
    let (runtime, log) = timed("deferred", &keys, Some(0), true);
    assert!(runtime.consume("deferred").await.is_err(), "offset 0 fails");
    let first = handlings(&log);
    assert!(
        first.iter().all(|h| h.offset != 3),
        "a's later message waits for the failed one: {first:?}"
    );
    assert_eq!(
        runtime.committed("deferred", 0),
        None,
        "nothing stored past the failed offset 0"
    );

    runtime
        .consume("deferred")
        .await
        .expect("the retry succeeds");
    let handled = handlings(&log);
    assert_in_key_order(&handled);
    let retry: Vec<i64> = handled
        .iter()
        .filter(|h| h.collapsed)
        .map(|h| h.offset)
        .collect();
    assert_eq!(
        retry,
        vec![0, 3],
        "the collapsed retry skips what the first stretch handled (1, 2): {handled:?}"
    );
    assert_eq!(
        succeeded(&handled),
        vec![0, 1, 2, 3, 4, 5],
        "each message handled once"
    );
    assert_eq!(runtime.committed("deferred", 0), Some(6));
}

#[tokio::test(start_paused = true)]
async fn a_dead_letter_dispatch_under_streaming_sends_only_the_failed_message() {
    // As above, with a dead-letter queue that dispatches at the first failure: the first batch
    // ends well, the second (whose a waited) runs again at once without a failure counted.
    let keys = ["slow-a", "b", "b", "slow-a", "b", "b"];
    let (runtime, log) = timed_with("lettered", &keys, Some(0), true, |route| {
        route.dead_letter_queue(DeadLetterQueue::new("lettered_dlq").max_retries(0))
    });
    runtime
        .consume("lettered")
        .await
        .expect("dispatched, then all handled");
    let dispatched: Vec<Option<String>> = runtime
        .produced("lettered_dlq")
        .iter()
        .map(|message| {
            message
                .headers()
                .get_str(headers::OFFSET)
                .map(str::to_owned)
        })
        .collect();
    assert_eq!(
        dispatched,
        vec![Some("0".to_owned())],
        "only the failed message"
    );
    let handled = handlings(&log);
    assert_in_key_order(&handled);
    let mut offsets = succeeded(&handled);
    offsets.dedup();
    assert_eq!(
        offsets,
        vec![1, 2, 3, 4, 5],
        "every other message handled: {handled:?}"
    );
    assert_eq!(runtime.committed("lettered", 0), Some(6));
}

#[tokio::test(start_paused = true)]
async fn a_dead_letter_beside_a_running_batch_stores_nothing_past_that_batch() {
    // Batches of three: [slow-x, a, a], [a (fails)]. The second lines up behind a's first two
    // and fails at once, dispatched while the slow message of the first still runs: the
    // dispatch's mark must wait for it.
    let keys = ["slow-x", "a", "a", "a"];
    let (runtime, log) = timed_with("beside", &keys, Some(3), true, |route| {
        route
            .max_messages(3)
            .dead_letter_queue(DeadLetterQueue::new("beside_dlq").max_retries(0))
    });
    runtime
        .consume("beside")
        .await
        .expect("dispatched, then all handled");
    let handled = handlings(&log);
    let slow = handling(&handled, 0);
    let failed = handling(&handled, 3);
    assert!(
        failed.failed && failed.ended < slow.ended,
        "the second batch failed while the first ran: {handled:?}"
    );
    assert!(
        slow.stored.is_none_or(|stored| stored <= 0),
        "nothing stored past the running offset 0 when it ended: {handled:?}"
    );
    let dispatched: Vec<i64> = runtime
        .produced("beside_dlq")
        .iter()
        .filter_map(|message| message.headers().get_str(headers::OFFSET)?.parse().ok())
        .collect();
    assert_eq!(dispatched, vec![3]);
    assert_eq!(runtime.committed("beside", 0), Some(4));
}
