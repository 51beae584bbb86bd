//! What a consumer controls through its `Context`: seek, pause, synchronous marks, manual offset
//! management, and marks refused after the partition was revoked.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use karafka::routing::{Routes, Topic};
use karafka::{async_trait, Consumer, Context, Shutdown};
use karafka_integration_tests::*;

const SIX: [&str; 6] = ["{}", "{}", "{}", "{}", "{}", "{}"];

/// On its first visit of offset `at`, asks for `control` instead of handling the rest.
struct Controls {
    log: Log,
    at: i64,
    done: bool,
    control: fn(&Context),
}

#[async_trait]
impl Consumer for Controls {
    async fn consume(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        for message in ctx.messages() {
            if message.offset() == self.at && !self.done {
                self.done = true;
                (self.control)(ctx);
                return Ok(());
            }
            self.log.record(message, ctx.attempt());
            ctx.mark_as_consumed(message);
        }
        Ok(())
    }
}

async fn run_controls(
    name: &str,
    at: i64,
    control: fn(&Context),
) -> (Vec<Handled>, Vec<Option<i64>>) {
    let topic = unique(name);
    let group = unique(name);
    create_topic(&topic, 1).await;
    produce_to(&topic, 0, &SIX).await;
    let log = Log::default();
    let consumer_log = log.clone();
    let server = RunningServer::start(
        config(&group),
        Routes::new().topic(Topic::new(&topic).consumer_with(move || Controls {
            log: consumer_log.clone(),
            at,
            done: false,
            control,
        })),
    );
    log.wait_until(Duration::from_secs(30), "offset 5", |handled| {
        handled.iter().any(|h| h.offset == 5)
    })
    .await;
    assert!(matches!(server.stop().await, Shutdown::Graceful));
    (log.snapshot(), committed_offsets(&group, &topic, 1))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seek_backwards_replays_from_that_offset() {
    let (handled, committed) = run_controls("seek", 4, |ctx| ctx.seek(1)).await;
    let offsets: Vec<i64> = handled.iter().map(|h| h.offset).collect();
    assert_eq!(offsets, vec![0, 1, 2, 3, 1, 2, 3, 4, 5]);
    assert_eq!(committed, vec![Some(6)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pause_resumes_at_the_offset_after_the_timeout() {
    let (handled, committed) =
        run_controls("pause", 3, |ctx| ctx.pause(3, Duration::from_millis(1_500))).await;
    let offsets: Vec<i64> = handled.iter().map(|h| h.offset).collect();
    assert_eq!(
        offsets,
        vec![0, 1, 2, 3, 4, 5],
        "nothing skipped, nothing repeated"
    );
    let paused_for = handled[3].at - handled[2].at;
    assert!(paused_for >= Duration::from_millis(1_500), "{paused_for:?}");
    assert_eq!(committed, vec![Some(6)]);
}

/// Marks only the second message, synchronously, and records whether the mark was taken.
struct MarksSecondSynchronously {
    log: Log,
    marked: Arc<Mutex<Vec<bool>>>,
}

#[async_trait]
impl Consumer for MarksSecondSynchronously {
    async fn consume(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        for message in ctx.messages() {
            self.log.record(message, ctx.attempt());
            if message.offset() == 1 {
                let marked = ctx.mark_as_consumed_sync(message).await;
                self.marked.lock().unwrap().push(marked);
            }
        }
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn manual_offset_management_commits_only_what_the_consumer_marks() {
    let topic = unique("manual");
    let group = unique("manual-group");
    create_topic(&topic, 1).await;
    produce_to(&topic, 0, &SIX).await;
    let log = Log::default();
    let marked = Arc::new(Mutex::new(Vec::new()));
    // Interval commits effectively never happen: only the synchronous mark commits.
    let settings = config(&group).kafka("auto.commit.interval.ms", 600_000);
    let (consumer_log, consumer_marked) = (log.clone(), Arc::clone(&marked));
    let server = RunningServer::start(
        settings,
        Routes::new().topic(
            Topic::new(&topic)
                .manual_offset_management(true)
                .consumer_with(move || MarksSecondSynchronously {
                    log: consumer_log.clone(),
                    marked: Arc::clone(&consumer_marked),
                }),
        ),
    );
    log.wait_until(Duration::from_secs(30), "six messages", |h| h.len() == 6)
        .await;
    assert_eq!(*marked.lock().unwrap(), vec![true]);
    assert_eq!(
        committed_offsets(&group, &topic, 1),
        vec![Some(2)],
        "committed at once, before any interval commit, and nothing beyond the mark"
    );
    assert!(matches!(server.stop().await, Shutdown::Graceful));
    assert_eq!(committed_offsets(&group, &topic, 1), vec![Some(2)]);
}

/// Holds its first batch until the partition is revoked (a long-running job sees that while it
/// runs), then tries to mark it.
struct HoldsUntilRevoked {
    log: Log,
    marked_after_revocation: Arc<Mutex<Option<bool>>>,
    held: Arc<AtomicBool>,
}

#[async_trait]
impl Consumer for HoldsUntilRevoked {
    async fn consume(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        if !self.held.swap(true, Ordering::SeqCst) {
            for _ in 0..600 {
                if ctx.revoked() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            let last = ctx.messages().last().expect("a batch has messages");
            *self.marked_after_revocation.lock().unwrap() = Some(ctx.mark_as_consumed(last));
            return Ok(());
        }
        for message in ctx.messages() {
            self.log.record(message, ctx.attempt());
        }
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn marks_after_a_revocation_are_refused_and_the_messages_consumed_again() {
    let topic = unique("revoked-mark");
    let group = unique("revoked-mark-group");
    create_topic(&topic, 1).await;
    produce_to(&topic, 0, &["{}", "{}"]).await;
    let log = Log::default();
    let marked = Arc::new(Mutex::new(None));
    let held = Arc::new(AtomicBool::new(false));
    let start = || {
        let (log, marked, held) = (log.clone(), Arc::clone(&marked), Arc::clone(&held));
        RunningServer::start(
            config(&group),
            Routes::new().topic(Topic::new(&topic).long_running_job(true).consumer_with(
                move || HoldsUntilRevoked {
                    log: log.clone(),
                    marked_after_revocation: Arc::clone(&marked),
                    held: Arc::clone(&held),
                },
            )),
        )
    };
    let first = start();
    while !held.load(Ordering::SeqCst) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // A second member joining makes the (eager) group revoke every partition from the first.
    let second = start();
    log.wait_until(Duration::from_secs(60), "both messages again", |handled| {
        handled.iter().filter(|h| h.offset <= 1).count() >= 2
    })
    .await;
    assert_eq!(
        *marked.lock().unwrap(),
        Some(false),
        "the mark after revocation was refused"
    );
    assert!(matches!(first.stop().await, Shutdown::Graceful));
    assert!(matches!(second.stop().await, Shutdown::Graceful));
    assert_eq!(committed_offsets(&group, &topic, 1), vec![Some(2)]);
}
