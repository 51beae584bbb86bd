//! What a consumer asks of its partition through `Context`: pause, seek, and resume (which
//! cancels them), carried out after the job, in virtual time.

mod common;

use std::time::Duration;

use common::{app, gaps, produce, Log};
use karafka::routing::Topic;
use karafka::{async_trait, Consumer, Context};
use tokio::time::Instant;

/// What [`Controller`] does after calling its control.
#[derive(Clone, Copy)]
enum Then {
    /// Returns at once, leaving the rest of the batch unhandled.
    Stop,
    /// Handles the rest of the batch.
    GoOn,
}

/// Handles and marks each message in order; on its first visit of offset `at`, calls `control`
/// first.
struct Controller {
    log: Log,
    at: i64,
    done: bool,
    control: fn(&Context) -> Then,
}

#[async_trait]
impl Consumer for Controller {
    async fn consume(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        self.log.record(0, ctx);
        for message in ctx.messages() {
            if message.offset() == self.at && !self.done {
                self.done = true;
                if let Then::Stop = (self.control)(ctx) {
                    return Ok(());
                }
            }
            let marked = ctx.mark_as_consumed(message);
            self.log.mark(message.offset(), marked);
        }
        Ok(())
    }
}

/// The topic `orders` consumed by a [`Controller`], and its log.
fn controlled(at: i64, control: fn(&Context) -> Then) -> (Topic, Log) {
    let log = Log::default();
    let shared = log.clone();
    let topic = Topic::new("orders").consumer_with(move || Controller {
        log: shared.clone(),
        at,
        done: false,
        control,
    });
    (topic, log)
}

fn handled(log: &Log) -> Vec<i64> {
    log.marks().into_iter().map(|(offset, _)| offset).collect()
}

#[tokio::test(start_paused = true)]
async fn a_pause_resumes_at_its_offset_once_its_timeout_passed_in_virtual_time() {
    let (topic, log) = controlled(2, |ctx| {
        ctx.pause(2, Duration::from_secs(5));
        Then::Stop
    });
    let app = app([topic]);
    produce(&app, "orders", 5);
    let started = Instant::now();

    app.consume("orders")
        .await
        .expect("a requested pause is no failure");
    assert_eq!(
        started.elapsed(),
        Duration::ZERO,
        "consume returns once the partition is paused"
    );
    assert_eq!(handled(&log), vec![0, 1]);
    assert_eq!(
        app.committed("orders", 0),
        Some(2),
        "the consumer's marks, not the batch"
    );

    app.consume("orders")
        .await
        .expect("consumed after the pause");
    assert_eq!(
        started.elapsed(),
        Duration::from_secs(5),
        "the next consume waits out the pause"
    );
    assert_eq!(log.offsets(), vec![vec![0, 1, 2, 3, 4], vec![2, 3, 4]]);
    assert_eq!(gaps(&log.batches()), vec![Duration::from_secs(5)]);
    assert_eq!(handled(&log), vec![0, 1, 2, 3, 4]);
    assert_eq!(app.committed("orders", 0), Some(5));
}

#[tokio::test(start_paused = true)]
async fn a_pause_may_resume_elsewhere_than_where_it_stopped() {
    let (topic, log) = controlled(3, |ctx| {
        ctx.pause(1, Duration::from_secs(2));
        Then::Stop
    });
    let app = app([topic]);
    produce(&app, "orders", 4);
    app.consume("orders").await.expect("paused");
    app.consume("orders").await.expect("resumed");
    assert_eq!(
        log.offsets(),
        vec![vec![0, 1, 2, 3], vec![1, 2, 3]],
        "read again from offset 1"
    );
    assert_eq!(app.committed("orders", 0), Some(4));
}

#[tokio::test(start_paused = true)]
async fn a_seek_back_replays_at_once_and_keeps_the_marks() {
    let (topic, log) = controlled(3, |ctx| {
        ctx.seek(0);
        Then::Stop
    });
    let app = app([topic]);
    produce(&app, "orders", 5);
    let started = Instant::now();
    app.consume("orders").await.expect("consumed");
    assert_eq!(started.elapsed(), Duration::ZERO, "a seek does not pause");
    assert_eq!(
        log.offsets(),
        vec![vec![0, 1, 2, 3, 4], vec![0, 1, 2, 3, 4]]
    );
    assert_eq!(handled(&log), vec![0, 1, 2, 0, 1, 2, 3, 4]);
    assert_eq!(app.committed("orders", 0), Some(5));
}

#[tokio::test(start_paused = true)]
async fn a_seek_forward_skips_messages() {
    let (topic, log) = controlled(1, |ctx| {
        ctx.seek(4);
        Then::Stop
    });
    let app = app([topic]);
    produce(&app, "orders", 6);
    app.consume("orders").await.expect("consumed");
    assert_eq!(log.offsets(), vec![vec![0, 1, 2, 3, 4, 5], vec![4, 5]]);
    assert_eq!(handled(&log), vec![0, 4, 5], "1 to 3 were skipped");
    assert_eq!(app.committed("orders", 0), Some(6));
}

#[tokio::test(start_paused = true)]
async fn resume_cancels_a_pause_requested_in_the_same_job() {
    let (topic, log) = controlled(1, |ctx| {
        ctx.pause(1, Duration::from_secs(60));
        ctx.resume();
        Then::GoOn
    });
    let app = app([topic]);
    produce(&app, "orders", 3);
    let started = Instant::now();
    app.consume("orders").await.expect("consumed");
    assert_eq!(handled(&log), vec![0, 1, 2]);
    assert_eq!(app.committed("orders", 0), Some(3));

    produce(&app, "orders", 1);
    app.consume("orders").await.expect("consumed again");
    assert_eq!(
        log.offsets(),
        vec![vec![0, 1, 2], vec![3]],
        "no pause held the partition"
    );
    assert_eq!(started.elapsed(), Duration::ZERO);
}

#[tokio::test(start_paused = true)]
async fn resume_cancels_a_seek_requested_in_the_same_job() {
    let (topic, log) = controlled(2, |ctx| {
        ctx.seek(0);
        ctx.resume();
        Then::GoOn
    });
    let app = app([topic]);
    produce(&app, "orders", 3);
    app.consume("orders").await.expect("consumed");
    assert_eq!(log.offsets(), vec![vec![0, 1, 2]], "nothing replayed");
    assert_eq!(app.committed("orders", 0), Some(3));
}
