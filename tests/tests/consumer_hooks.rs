//! The consumer API beyond `consume`: periodic ticks, a wrap around every action, critical
//! errors, a topic's own backoff, pauses until resumed, commits on demand and seeks by time.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use futures_util::future::BoxFuture;
use karafka::consumer::{Action, Critical, Wrap};
use karafka::instrumentation::Event;
use karafka::routing::{Pausing, Periodic, Routes, Topic};
use karafka::{
    async_trait, App, BoxError, Consumer, Context, Message, SeekTarget, Shutdown, TopicPartition,
};
use karafka_integration_tests::*;

const WAIT: Duration = Duration::from_secs(30);

/// Keeps the messages it gets and marks them only on its ticks, like a windowing consumer.
#[derive(Clone, Default)]
struct Window {
    ticks: Arc<AtomicUsize>,
    kept: Arc<Mutex<Vec<Message>>>,
}

#[async_trait]
impl Consumer for Window {
    async fn consume(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        kept.extend(ctx.messages().iter().cloned());
        // Asks for nothing: the batch is not marked automatically under manual offsets.
        Ok(())
    }

    async fn tick(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        self.ticks.fetch_add(1, Ordering::Relaxed);
        let last = self
            .kept
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .last()
            .cloned();
        if let Some(last) = last {
            ctx.mark_as_consumed(&last);
        }
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ticks_run_without_messages_and_can_mark_what_earlier_batches_kept() {
    let topic = unique("ticks");
    let group = unique("ticks");
    create_topic(&topic, 1).await;
    let window = Window::default();
    let consumer = window.clone();
    let server = RunningServer::start(
        config(&group),
        Routes::new().topic(
            Topic::new(&topic)
                .consumer_with(move || consumer.clone())
                .manual_offset_management(true)
                .periodic(Periodic::new().interval(Duration::from_millis(200))),
        ),
    );
    wait_for(WAIT, "two ticks on an empty partition", || {
        window.ticks.load(Ordering::Relaxed) >= 2
    })
    .await;
    produce_to(&topic, 0, &["{}", "{}", "{}"]).await;
    wait_for(WAIT, "the tick to commit the kept messages", || {
        committed_offsets(&group, &topic, 1) == vec![Some(3)]
    })
    .await;
    assert!(matches!(server.stop().await, Shutdown::Graceful));
}

/// Counts the actions it wraps, by kind; `consume` and `tick` check they run inside the wrap.
#[derive(Clone, Default)]
struct Counting {
    actions: Arc<Mutex<Vec<Action>>>,
}

tokio::task_local! {
    static WRAPPED: Action;
}

impl Wrap for Counting {
    fn wrap<'a>(
        &'a self,
        action: Action,
        _partition: &'a TopicPartition,
        run: BoxFuture<'a, Result<(), BoxError>>,
    ) -> BoxFuture<'a, Result<(), BoxError>> {
        self.actions
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(action);
        Box::pin(WRAPPED.scope(action, run))
    }
}

/// Fails unless it runs inside the wrap of its action.
#[derive(Default)]
struct InsideWrap;

fn inside(expected: Action) -> anyhow::Result<()> {
    let seen = WRAPPED.try_with(|action| *action).ok();
    anyhow::ensure!(seen == Some(expected), "ran outside the wrap: {seen:?}");
    Ok(())
}

#[async_trait]
impl Consumer for InsideWrap {
    async fn consume(&mut self, _ctx: &mut Context) -> anyhow::Result<()> {
        inside(Action::Consume)
    }

    async fn tick(&mut self, _ctx: &mut Context) -> anyhow::Result<()> {
        inside(Action::Tick)
    }

    async fn initialized(&mut self, _partition: &TopicPartition) -> anyhow::Result<()> {
        inside(Action::Initialized)
    }

    async fn shutdown(&mut self, _partition: &TopicPartition) -> anyhow::Result<()> {
        inside(Action::Shutdown)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wrap_runs_around_every_action() {
    let topic = unique("wrap");
    let group = unique("wrap");
    create_topic(&topic, 1).await;
    produce_to(&topic, 0, &["{}", "{}"]).await;
    let wrap = Counting::default();
    let events = Events::default();
    let app = App::builder()
        .config(config(&group))
        .routes(
            Routes::new().topic(
                Topic::new(&topic)
                    .consumer::<InsideWrap>()
                    .wrap(wrap.clone())
                    .periodic(Periodic::new().interval(Duration::from_millis(100))),
            ),
        )
        .listener(events.listener())
        .build()
        .expect("valid app");
    let server = RunningServer::start_app(app);
    let count = |wanted: Action| {
        wrap.actions
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .filter(|action| **action == wanted)
            .count()
    };
    wait_for(WAIT, "a consume and two ticks", || {
        count(Action::Consume) >= 1 && count(Action::Tick) >= 2
    })
    .await;
    assert!(matches!(server.stop().await, Shutdown::Graceful));
    assert_eq!(count(Action::Initialized), 1);
    assert_eq!(count(Action::Shutdown), 1);
    let failures: Vec<_> = events
        .snapshot()
        .into_iter()
        .filter(|event| matches!(event, Event::ErrorOccurred { .. }))
        .collect();
    assert!(
        failures.is_empty(),
        "an action ran outside its wrap: {failures:?}"
    );
    assert!(events
        .snapshot()
        .iter()
        .any(|event| matches!(event, Event::Ticked { .. })));
}

/// Handles offsets 0 and 1, then fails critically at 2.
#[derive(Clone, Default)]
struct StopsAtTwo {
    attempts: Arc<AtomicUsize>,
}

#[async_trait]
impl Consumer for StopsAtTwo {
    async fn consume(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        for message in ctx.messages() {
            if message.offset() == 2 {
                self.attempts.fetch_add(1, Ordering::Relaxed);
                return Err(Critical::new("schema 9 is unknown").into());
            }
            ctx.mark_as_consumed(message);
        }
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_critical_error_stops_the_server_gracefully_instead_of_retrying() {
    let topic = unique("critical");
    let group = unique("critical");
    create_topic(&topic, 1).await;
    produce_to(&topic, 0, &["{}", "{}", "{}", "{}"]).await;
    let consumer = StopsAtTwo::default();
    let attempts = Arc::clone(&consumer.attempts);
    let app = App::builder()
        .config(config(&group))
        .routes(Routes::new().topic(Topic::new(&topic).consumer_with(move || consumer.clone())))
        .build()
        .expect("valid app");
    let stopped = tokio::time::timeout(WAIT, app.server().run_until(std::future::pending()))
        .await
        .expect("the server stops by itself within 30 s");
    let error = stopped.expect_err("a critical error ends the run with an error");
    let text = error.to_string();
    assert!(
        matches!(
            &error,
            karafka::Error::Critical {
                offset: Some(2),
                ..
            }
        ),
        "{text}"
    );
    assert!(
        text.contains("schema 9 is unknown") && text.contains("StopsAtTwo"),
        "{text}"
    );
    assert_eq!(attempts.load(Ordering::Relaxed), 1, "not retried");
    assert_eq!(committed_offsets(&group, &topic, 1), vec![Some(2)]);
}

#[derive(Debug, thiserror::Error)]
#[error("disk full")]
struct DiskFull;

/// Always fails with [`DiskFull`].
#[derive(Default)]
struct FullDisk;

#[async_trait]
impl Consumer for FullDisk {
    async fn consume(&mut self, _ctx: &mut Context) -> anyhow::Result<()> {
        Err(anyhow::Error::new(DiskFull).context("writing the batch"))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_error_type_the_route_declares_critical_stops_the_server() {
    let topic = unique("critical-type");
    let group = unique("critical-type");
    create_topic(&topic, 1).await;
    produce_to(&topic, 0, &["{}"]).await;
    let app = App::builder()
        .config(config(&group))
        .routes(
            Routes::new().topic(
                Topic::new(&topic)
                    .consumer::<FullDisk>()
                    .critical_error::<DiskFull>(),
            ),
        )
        .build()
        .expect("valid app");
    let stopped = tokio::time::timeout(WAIT, app.server().run_until(std::future::pending()))
        .await
        .expect("the server stops by itself within 30 s");
    let error = stopped.expect_err("a critical error ends the run with an error");
    assert!(error.to_string().contains("disk full"), "{error}");
}

/// Fails its first two attempts.
#[derive(Clone, Default)]
struct FailsTwice {
    attempts: Arc<AtomicUsize>,
}

#[async_trait]
impl Consumer for FailsTwice {
    async fn consume(&mut self, _ctx: &mut Context) -> anyhow::Result<()> {
        if self.attempts.fetch_add(1, Ordering::Relaxed) < 2 {
            anyhow::bail!("not yet");
        }
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_topic_backs_off_with_its_own_pause_settings() {
    let topic = unique("backoff");
    let group = unique("backoff");
    create_topic(&topic, 1).await;
    produce_to(&topic, 0, &["{}"]).await;
    let consumer = FailsTwice::default();
    let attempts = Arc::clone(&consumer.attempts);
    let events = Events::default();
    let app = App::builder()
        .config(config(&group))
        .routes(
            Routes::new().topic(
                Topic::new(&topic)
                    .consumer_with(move || consumer.clone())
                    .pause(
                        Pausing::new()
                            .timeout(Duration::from_millis(30))
                            .max_timeout(Duration::from_millis(45))
                            .with_exponential_backoff(true),
                    ),
            ),
        )
        .listener(events.listener())
        .build()
        .expect("valid app");
    let server = RunningServer::start_app(app);
    wait_for(WAIT, "the third attempt", || {
        attempts.load(Ordering::Relaxed) >= 3
    })
    .await;
    assert!(matches!(server.stop().await, Shutdown::Graceful));
    let backoffs: Vec<Duration> = events
        .snapshot()
        .into_iter()
        .filter_map(|event| match event {
            Event::Retry { backoff, .. } => Some(backoff),
            _ => None,
        })
        .collect();
    // Doubled, then capped by the topic's max (the app's settings say 100 ms and 1 s).
    assert_eq!(
        backoffs,
        vec![Duration::from_millis(30), Duration::from_millis(45)]
    );
}

/// Pauses at offset 1 until resumed, and resumes from its third tick.
#[derive(Clone, Default)]
struct PausesUntilTicked {
    log: Log,
    paused: Arc<AtomicUsize>,
    ticks_while_paused: Arc<AtomicUsize>,
}

#[async_trait]
impl Consumer for PausesUntilTicked {
    async fn consume(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        for message in ctx.messages() {
            if message.offset() == 1 && self.paused.fetch_add(1, Ordering::Relaxed) == 0 {
                ctx.pause_until_resumed(1);
                return Ok(());
            }
            self.log.record(message, ctx.attempt());
            ctx.mark_as_consumed(message);
        }
        Ok(())
    }

    async fn tick(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        if self.paused.load(Ordering::Relaxed) == 1
            && self.ticks_while_paused.fetch_add(1, Ordering::Relaxed) == 2
        {
            ctx.resume();
        }
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pause_until_resumed_lasts_until_a_tick_resumes_it() {
    let topic = unique("pause-forever");
    let group = unique("pause-forever");
    create_topic(&topic, 1).await;
    produce_to(&topic, 0, &["{}", "{}", "{}"]).await;
    let consumer = PausesUntilTicked::default();
    let (log, ticks) = (
        consumer.log.clone(),
        Arc::clone(&consumer.ticks_while_paused),
    );
    let server = RunningServer::start(
        config(&group),
        Routes::new().topic(
            Topic::new(&topic)
                .consumer_with(move || consumer.clone())
                .periodic(Periodic::new().interval(Duration::from_millis(100))),
        ),
    );
    wait_for(WAIT, "two ticks during the pause", || {
        ticks.load(Ordering::Relaxed) >= 2
    })
    .await;
    let during: Vec<i64> = log.snapshot().iter().map(|h| h.offset).collect();
    assert_eq!(
        during,
        vec![0],
        "nothing past the pause is consumed while paused"
    );
    log.wait_until(WAIT, "offset 2 after the resume", |handled| {
        handled.iter().any(|h| h.offset == 2)
    })
    .await;
    assert!(matches!(server.stop().await, Shutdown::Graceful));
    let offsets: Vec<i64> = log.snapshot().iter().map(|h| h.offset).collect();
    assert_eq!(offsets, vec![0, 1, 2]);
}

/// Marks every batch's last message and commits at once: waiting for the broker, or not.
#[derive(Clone, Default)]
struct CommitsNow {
    wait: bool,
    committed: Arc<AtomicUsize>,
}

#[async_trait]
impl Consumer for CommitsNow {
    async fn consume(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        if let Some(last) = ctx.messages().last() {
            ctx.mark_as_consumed(last);
        }
        let committed = if self.wait {
            ctx.commit_offsets_sync().await
        } else {
            ctx.commit_offsets()
        };
        if committed {
            self.committed.fetch_add(1, Ordering::Relaxed);
        }
        Ok(())
    }
}

/// Commits offset 3 with `commit_offsets_sync` (`wait`) or `commit_offsets`, while the interval
/// commit would come only after a minute.
async fn commit_now(name: &str, wait: bool) {
    let topic = unique(name);
    let group = unique(name);
    create_topic(&topic, 1).await;
    produce_to(&topic, 0, &["{}", "{}", "{}"]).await;
    let consumer = CommitsNow {
        wait,
        committed: Arc::default(),
    };
    let committed = Arc::clone(&consumer.committed);
    let settings = config(&group).kafka("auto.commit.interval.ms", 60_000);
    let server = RunningServer::start(
        settings,
        Routes::new().topic(Topic::new(&topic).consumer_with(move || consumer.clone())),
    );
    wait_for(WAIT, "a commit asked for", || {
        committed.load(Ordering::Relaxed) >= 1
    })
    .await;
    wait_for(WAIT, "offset 3 committed", || {
        committed_offsets(&group, &topic, 1) == vec![Some(3)]
    })
    .await;
    assert!(matches!(server.stop().await, Shutdown::Graceful));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commit_offsets_sync_commits_the_marks_without_waiting_for_the_interval() {
    commit_now("commit-sync", true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commit_offsets_commits_the_marks_in_the_background() {
    commit_now("commit-async", false).await;
}

/// Seeks once, at the first visit of offset 3, to where `to` says, given the time offset 1 was
/// written.
#[derive(Clone)]
struct SeeksAtThree {
    log: Log,
    sought: Arc<AtomicUsize>,
    written: Arc<Mutex<Option<SystemTime>>>,
    to: fn(SystemTime) -> SeekTarget,
}

#[async_trait]
impl Consumer for SeeksAtThree {
    async fn consume(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        for message in ctx.messages() {
            if message.offset() == 1 {
                *self.written.lock().unwrap_or_else(PoisonError::into_inner) = message.timestamp();
            }
            if message.offset() == 3 && self.sought.fetch_add(1, Ordering::Relaxed) == 0 {
                let written = *self.written.lock().unwrap_or_else(PoisonError::into_inner);
                let at = written.ok_or_else(|| anyhow::anyhow!("offset 1 has no timestamp"))?;
                ctx.seek_to((self.to)(at));
                return Ok(());
            }
            self.log.record(message, ctx.attempt());
            ctx.mark_as_consumed(message);
        }
        Ok(())
    }
}

/// Five messages apart in time, a consumer that seeks at offset 3 to where `to` says, and one
/// more message once the seek was made: what it handled, in order.
async fn seek_at_three(name: &str, to: fn(SystemTime) -> SeekTarget) -> Vec<i64> {
    let topic = unique(name);
    let group = unique(name);
    create_topic(&topic, 1).await;
    for _ in 0..5 {
        produce_to(&topic, 0, &["{}"]).await;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let consumer = SeeksAtThree {
        log: Log::default(),
        sought: Arc::default(),
        written: Arc::default(),
        to,
    };
    let log = consumer.log.clone();
    let events = Events::default();
    let app = App::builder()
        .config(config(&group))
        .routes(Routes::new().topic(Topic::new(&topic).consumer_with(move || consumer.clone())))
        .listener(events.listener())
        .build()
        .expect("valid app");
    let server = RunningServer::start_app(app);
    wait_for(WAIT, "the seek", || {
        events
            .snapshot()
            .iter()
            .any(|event| matches!(event, Event::Seek { .. }))
    })
    .await;
    produce_to(&topic, 0, &["{}"]).await;
    log.wait_until(WAIT, "offset 5", |handled| {
        handled.iter().any(|h| h.offset == 5)
    })
    .await;
    assert!(matches!(server.stop().await, Shutdown::Graceful));
    log.snapshot().iter().map(|h| h.offset).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seek_to_a_time_replays_from_the_first_message_written_then() {
    let offsets = seek_at_three("seek-time", SeekTarget::Time).await;
    assert_eq!(offsets, vec![0, 1, 2, 1, 2, 3, 4, 5]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seek_to_earliest_replays_everything_and_to_latest_skips_to_the_end() {
    let earliest = seek_at_three("seek-earliest", |_| SeekTarget::Earliest).await;
    assert_eq!(earliest, vec![0, 1, 2, 0, 1, 2, 3, 4, 5]);
    let latest = seek_at_three("seek-latest", |_| SeekTarget::Latest).await;
    assert_eq!(latest, vec![0, 1, 2, 5], "offsets 3 and 4 are skipped");
}

/// Records what it consumed before each time it heard of the partition's end.
#[derive(Clone, Default)]
struct EndWatcher {
    log: Log,
    ends: Arc<Mutex<Vec<usize>>>,
}

#[async_trait]
impl Consumer for EndWatcher {
    async fn consume(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        for message in ctx.messages() {
            self.log.record(message, ctx.attempt());
        }
        Ok(())
    }

    async fn eofed(&mut self, _ctx: &mut Context) -> anyhow::Result<()> {
        self.ends
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(self.log.len());
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eofed_runs_each_time_the_partition_was_read_to_its_end() {
    let topic = unique("eofed");
    let group = unique("eofed");
    create_topic(&topic, 1).await;
    let watcher = EndWatcher::default();
    let (log, ends) = (watcher.log.clone(), Arc::clone(&watcher.ends));
    let server = RunningServer::start(
        config(&group),
        Routes::new().topic(
            Topic::new(&topic)
                .consumer_with(move || watcher.clone())
                .eofed(true),
        ),
    );
    let seen = || ends.lock().unwrap_or_else(PoisonError::into_inner).clone();
    wait_for(WAIT, "the end of the empty partition", || {
        !seen().is_empty()
    })
    .await;
    produce_to(&topic, 0, &["{}", "{}", "{}"]).await;
    wait_for(WAIT, "the end after three messages", || seen().len() >= 2).await;
    produce_to(&topic, 0, &["{}", "{}"]).await;
    wait_for(WAIT, "the end after two more", || seen().len() >= 3).await;
    assert!(matches!(server.stop().await, Shutdown::Graceful));
    assert_eq!(seen(), vec![0, 3, 5], "once per end, after what reached it");
    assert_eq!(log.len(), 5);
}

/// Marks each batch's last message with metadata naming it, after reading the partition's
/// metadata as the assignment found it.
#[derive(Clone, Default)]
struct WithMetadata {
    found: Arc<Mutex<Vec<Option<String>>>>,
}

#[async_trait]
impl Consumer for WithMetadata {
    async fn consume(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        let found = ctx.offset_metadata().await?;
        self.found
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(found);
        if let Some(last) = ctx.messages().last() {
            ctx.mark_as_consumed_with_metadata(last, format!("up to {}", last.offset()));
        }
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offset_metadata_is_committed_and_read_back_by_the_next_assignment() {
    let topic = unique("metadata");
    let group = unique("metadata");
    create_topic(&topic, 1).await;
    produce_to(&topic, 0, &["{}", "{}", "{}"]).await;
    let run = |consumer: WithMetadata| {
        RunningServer::start(
            config(&group),
            Routes::new().topic(
                Topic::new(&topic)
                    .consumer_with(move || consumer.clone())
                    .manual_offset_management(true),
            ),
        )
    };
    let first = WithMetadata::default();
    let server = run(first.clone());
    wait_for(WAIT, "offset 3 committed", || {
        committed_offsets(&group, &topic, 1) == vec![Some(3)]
    })
    .await;
    assert!(matches!(server.stop().await, Shutdown::Graceful));
    let found = first.found.lock().unwrap_or_else(PoisonError::into_inner)[0].clone();
    assert_eq!(found, None, "a new group has no metadata");

    produce_to(&topic, 0, &["{}"]).await;
    let second = WithMetadata::default();
    let server = run(second.clone());
    let seen = || {
        second
            .found
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    };
    wait_for(WAIT, "a batch of the next assignment", || {
        !seen().is_empty()
    })
    .await;
    wait_for(WAIT, "offset 4 committed", || {
        committed_offsets(&group, &topic, 1) == vec![Some(4)]
    })
    .await;
    assert!(matches!(server.stop().await, Shutdown::Graceful));
    assert_eq!(seen()[0].as_deref(), Some("up to 2"));
}

/// Calls `resume` in every batch and fails the first attempt of offset 1.
#[derive(Clone, Default)]
struct ResumesThenFails {
    log: Log,
}

#[async_trait]
impl Consumer for ResumesThenFails {
    async fn consume(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        ctx.resume();
        for message in ctx.messages() {
            if message.offset() == 1 && ctx.attempt() == 1 {
                anyhow::bail!("offset 1 fails once");
            }
            self.log.record(message, ctx.attempt());
            ctx.mark_as_consumed(message);
        }
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resume_in_a_failing_batch_still_retries_it() {
    let topic = unique("resume-retry");
    let group = unique("resume-retry");
    create_topic(&topic, 1).await;
    produce_to(&topic, 0, &["{}", "{}", "{}"]).await;
    let consumer = ResumesThenFails::default();
    let log = consumer.log.clone();
    let server = RunningServer::start(
        config(&group),
        Routes::new().topic(Topic::new(&topic).consumer_with(move || consumer.clone())),
    );
    log.wait_until(WAIT, "offset 2", |handled| {
        handled.iter().any(|h| h.offset == 2)
    })
    .await;
    assert!(matches!(server.stop().await, Shutdown::Graceful));
    let offsets: Vec<i64> = log.snapshot().iter().map(|h| h.offset).collect();
    assert_eq!(offsets, vec![0, 1, 2], "offset 1 is retried, not skipped");
    assert_eq!(committed_offsets(&group, &topic, 1), vec![Some(3)]);
}
