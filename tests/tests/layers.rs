//! A user's tower layer wraps every batch of a topic, alone and together with built-in layers; a
//! closure layer does the same.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context as TaskContext, Poll};
use std::time::{Duration, Instant};

use karafka::middleware::layer_fn;
use karafka::routing::{Routes, Topic};
use karafka::{async_trait, BoxError, Consumer, Context, Shutdown};
use karafka_integration_tests::*;
use tower::{Layer, Service};

/// A batch as the layer saw it: topic, size, time taken.
type Batch = (String, usize, Duration);

/// Records the topic, size and duration of every batch that passes.
#[derive(Clone, Default)]
struct Timing(Arc<Mutex<Vec<Batch>>>);

struct TimingService<S> {
    inner: S,
    batches: Arc<Mutex<Vec<Batch>>>,
}

impl<S> Layer<S> for Timing {
    type Service = TimingService<S>;

    fn layer(&self, inner: S) -> TimingService<S> {
        TimingService {
            inner,
            batches: Arc::clone(&self.0),
        }
    }
}

impl<S> Service<Context> for TimingService<S>
where
    S: Service<Context, Response = (), Error = BoxError>,
    S::Future: Send + 'static,
{
    type Response = ();
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<(), BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut TaskContext<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, ctx: Context) -> Self::Future {
        let (topic, size) = (ctx.topic().to_owned(), ctx.messages().len());
        let started = Instant::now();
        let batches = Arc::clone(&self.batches);
        let handled = self.inner.call(ctx);
        Box::pin(async move {
            let result = handled.await;
            batches
                .lock()
                .unwrap()
                .push((topic, size, started.elapsed()));
            result
        })
    }
}

struct Slow(Log);

#[async_trait]
impl Consumer for Slow {
    async fn consume(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        for message in ctx.messages() {
            tokio::time::sleep(Duration::from_millis(5)).await;
            self.0.record(message, ctx.attempt());
        }
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_layer_sees_every_batch_alone_and_beside_a_throttle() {
    let (plain, throttled, group) = (
        unique("layered"),
        unique("layered-throttled"),
        unique("layered-group"),
    );
    create_topic(&plain, 1).await;
    create_topic(&throttled, 1).await;
    produce_to(&plain, 0, &["{}"; 20]).await;
    produce_to(&throttled, 0, &["{}"; 6]).await;

    let (plain_log, throttled_log) = (Log::default(), Log::default());
    let (timing, throttled_timing) = (Timing::default(), Timing::default());
    let (first, second) = (plain_log.clone(), throttled_log.clone());
    let server = RunningServer::start(
        config(&group),
        Routes::new()
            .defaults(|topic| topic.layer(timing.clone()))
            .topic(
                Topic::new(&plain)
                    .max_messages(8)
                    .consumer_with(move || Slow(first.clone())),
            )
            .topic(
                Topic::new(&throttled)
                    .throttle(2, Duration::from_millis(500))
                    .layer(throttled_timing.clone())
                    .consumer_with(move || Slow(second.clone())),
            ),
    );
    plain_log
        .wait_until(Duration::from_secs(30), "the plain topic", |h| {
            h.len() == 20
        })
        .await;
    throttled_log
        .wait_until(Duration::from_secs(30), "the throttled topic", |h| {
            h.len() == 6
        })
        .await;
    assert!(matches!(server.stop().await, Shutdown::Graceful));

    let batches = timing.0.lock().unwrap().clone();
    let plain_batches: Vec<&Batch> = batches
        .iter()
        .filter(|(topic, _, _)| *topic == plain)
        .collect();
    assert_eq!(
        plain_batches.iter().map(|(_, size, _)| size).sum::<usize>(),
        20,
        "every batch passed the layer"
    );
    assert!(plain_batches
        .iter()
        .all(|(_, size, elapsed)| (1..=8).contains(size)
            && *elapsed >= Duration::from_millis(5 * *size as u64)));

    // The topic's own layer sits outside its throttle: it sees each batch, re-delivered after
    // every pause, while the consumer gets at most two messages per half second.
    let outside_throttle: Vec<usize> = throttled_timing
        .0
        .lock()
        .unwrap()
        .iter()
        .map(|(_, size, _)| *size)
        .collect();
    assert_eq!(outside_throttle.first(), Some(&6), "{outside_throttle:?}");
    assert!(outside_throttle.len() >= 3, "{outside_throttle:?}");
    for run in throttled_log.snapshot().windows(3) {
        assert!(
            run[2].at - run[0].at >= Duration::from_millis(450),
            "{:?}",
            run[2].at - run[0].at
        );
    }
    assert_eq!(
        batches
            .iter()
            .filter(|(topic, _, _)| *topic == throttled)
            .count(),
        outside_throttle.len(),
        "the defaults layer wraps the throttled topic too"
    );
}

/// What a closure layer saw of a batch: its size, and how many messages the consumer had handled
/// before and after the layer passed it on.
type Around = (usize, usize, usize);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closure_layer_runs_around_every_batch() {
    let (name, group) = (unique("closure-layered"), unique("closure-layered-group"));
    create_topic(&name, 1).await;
    produce_to(&name, 0, &["{}"; 20]).await;

    let log = Log::default();
    let seen: Arc<Mutex<Vec<Around>>> = Arc::default();
    let (handled, observed, batches) = (log.clone(), log.clone(), Arc::clone(&seen));
    let server = RunningServer::start(
        config(&group),
        Routes::new().topic(
            Topic::new(&name)
                .max_messages(8)
                .consumer_with(move || Slow(handled.clone()))
                .layer(layer_fn(move |ctx, next| {
                    let (log, batches) = (observed.clone(), Arc::clone(&batches));
                    async move {
                        let (size, before) = (ctx.messages().len(), log.len());
                        let result = next.run(ctx).await;
                        batches.lock().unwrap().push((size, before, log.len()));
                        result
                    }
                })),
        ),
    );
    log.wait_until(Duration::from_secs(30), "every message", |h| h.len() == 20)
        .await;
    assert!(matches!(server.stop().await, Shutdown::Graceful));

    let batches = seen.lock().unwrap().clone();
    assert_eq!(
        batches.iter().map(|(size, _, _)| size).sum::<usize>(),
        20,
        "every batch passed the layer: {batches:?}"
    );
    assert!(
        batches
            .iter()
            .all(|&(size, before, after)| (1..=8).contains(&size) && after - before == size),
        "the consumer handled each batch inside the layer: {batches:?}"
    );
}
