//! Scheduled messages against Kafka: a message is dispatched at its time (within the documented
//! tolerance), once, with its key, headers and payload; a cancelled one never is; neither a
//! restart after the dispatch nor a SIGKILL of the process holding the schedule dispatches
//! twice or loses one.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use karafka::producer::Record;
use karafka::routing::{Routes, ScheduledMessages};
use karafka::{App, Config, Message, Producer};
use karafka_integration_tests::*;

const PROBE: &str = env!("CARGO_BIN_EXE_probe");

/// How late a message may be dispatched on a loaded partition (`karafka::scheduled_messages`).
const TOLERANCE: Duration = Duration::from_secs(1);
/// How long a test waits for a dispatch that is due.
const DISPATCH_WAIT: Duration = Duration::from_secs(60);

/// A schedules topic, its consumer group, the target topic of its messages and the settings of
/// the apps that route it.
struct Scheduling {
    schedules: String,
    group: String,
    target: String,
    config: Config,
}

impl Scheduling {
    async fn new() -> Self {
        let group = unique("schedules-group");
        let scheduling = Self {
            schedules: unique("schedules"),
            config: config(&group),
            group,
            target: unique("reminders"),
        };
        create_topic(&scheduling.schedules, 1).await;
        create_topic(&scheduling.target, 1).await;
        scheduling
    }

    /// An app routing the schedules topic: its producer schedules onto it.
    fn app(&self) -> App {
        App::builder()
            .config(self.config.clone())
            .routes(
                Routes::new().scheduled_messages(
                    ScheduledMessages::new(&self.schedules).group_id(&self.group),
                ),
            )
            .build()
            .expect("valid app")
    }

    /// Starts a server of the app and waits until it dispatches; returns it with the app's
    /// producer.
    async fn serve(&self) -> (RunningServer, Producer) {
        let app = self.app();
        let producer = app.producer().clone();
        let server = RunningServer::start_app(app);
        self.warm_up(&producer).await;
        (server, producer)
    }

    /// A producer of another process that schedules onto the topic.
    fn producer(&self) -> Producer {
        producer().scheduled_messages_topic(&self.schedules)
    }

    async fn schedule(&self, producer: &Producer, record: Record, at: SystemTime) -> String {
        producer
            .schedule(record, at)
            .await
            .unwrap_or_else(|error| panic!("scheduling failed: {error}"))
            .to_string()
    }

    /// Waits until the target topic holds a message of `payload` (read as `read_committed`).
    async fn wait_dispatched(&self, payload: &str) {
        let started = Instant::now();
        while self.dispatched(payload).await.is_empty() {
            assert!(
                started.elapsed() < DISPATCH_WAIT,
                "timed out after {DISPATCH_WAIT:?} waiting for `{payload}` on {}",
                self.target
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Schedules a message due now and waits for it: the schedule was loaded and dispatches.
    async fn warm_up(&self, producer: &Producer) {
        let payload = unique("warm-up");
        let warm_up = Record::new(&self.target, payload.as_str());
        self.schedule(producer, warm_up, SystemTime::now()).await;
        self.wait_dispatched(&payload).await;
    }

    /// The messages on the target topic whose payload is `payload`.
    async fn dispatched(&self, payload: &str) -> Vec<Message> {
        read_partition(&self.target, 0)
            .await
            .into_iter()
            .filter(|message| message.raw_payload() == Some(payload.as_bytes()))
            .collect()
    }
}

fn millis(time: SystemTime) -> i64 {
    time.duration_since(UNIX_EPOCH).map_or(0, |since| {
        i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_is_dispatched_at_its_time_once_with_its_key_headers_and_payload() {
    logs();
    let scheduling = Scheduling::new().await;
    let (server, producer) = scheduling.serve().await;

    let at = SystemTime::now() + Duration::from_secs(3);
    let reminder = Record::new(&scheduling.target, r#"{"cart":7}"#)
        .key("customer-7")
        .header("source", "checkout");
    let id = scheduling.schedule(&producer, reminder, at).await;
    scheduling.wait_dispatched(r#"{"cart":7}"#).await;
    // Long enough for a second dispatch, if there were one.
    tokio::time::sleep(Duration::from_secs(2)).await;
    server.stop().await;

    let dispatched = scheduling.dispatched(r#"{"cart":7}"#).await;
    assert_eq!(dispatched.len(), 1, "dispatched once");
    let message = &dispatched[0];
    assert_eq!(message.key(), Some(&b"customer-7"[..]));
    assert_eq!(message.headers().get_str("source"), Some("checkout"));
    assert_eq!(
        message.headers().get_str("schedule_source_key"),
        Some(id.as_str())
    );
    let produced_at = message.timestamp_millis().expect("a create time");
    let late = produced_at - millis(at);
    assert!(
        (0..=TOLERANCE.as_millis() as i64).contains(&late),
        "dispatched {late} ms after its time, outside 0..={TOLERANCE:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_message_is_never_dispatched() {
    logs();
    let scheduling = Scheduling::new().await;
    let (server, producer) = scheduling.serve().await;

    let soon = SystemTime::now() + Duration::from_secs(2);
    let cancelled = Record::new(&scheduling.target, "cancelled");
    let id = producer.schedule(cancelled, soon).await.expect("scheduled");
    producer.cancel(&id).await.expect("cancelled");
    // A message due after the cancelled one: once it is here, the other would have been too.
    let later = Record::new(&scheduling.target, "later");
    let after = soon + Duration::from_secs(1);
    scheduling.schedule(&producer, later, after).await;
    scheduling.wait_dispatched("later").await;
    server.stop().await;

    assert!(scheduling.dispatched("cancelled").await.is_empty());
    assert_eq!(scheduling.dispatched("later").await.len(), 1);
}

/// Dispatches a message `once` with a server of the app, stops it and runs another, which
/// rebuilds the schedule from the topic (envelope, then tombstone); returns the first server's
/// producer.
async fn dispatch_then_restart(scheduling: &Scheduling) -> Producer {
    let (server, producer) = scheduling.serve().await;
    let once = Record::new(&scheduling.target, "once");
    scheduling
        .schedule(&producer, once, SystemTime::now() + Duration::from_secs(1))
        .await;
    scheduling.wait_dispatched("once").await;
    server.stop().await;

    let (server, _) = scheduling.serve().await;
    // Long enough for a second dispatch, if there were one.
    tokio::time::sleep(Duration::from_secs(1)).await;
    server.stop().await;
    producer
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_after_the_dispatch_does_not_dispatch_again() {
    logs();
    let scheduling = Scheduling::new().await;
    dispatch_then_restart(&scheduling).await;
    assert_eq!(scheduling.dispatched("once").await.len(), 1);
    assert_eq!(
        committed_offsets(&scheduling.group, &scheduling.schedules, 1),
        vec![None],
        "the schedules group commits nothing: every owner rebuilds from the beginning"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_transactional_producer_a_message_is_dispatched_once_across_a_restart() {
    logs();
    let mut scheduling = Scheduling::new().await;
    scheduling
        .config
        .producer
        .kafka
        .set("transactional.id", unique("schedules-tx"));
    let producer = dispatch_then_restart(&scheduling).await;
    assert!(producer.is_transactional());
    assert_eq!(scheduling.dispatched("once").await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scheduled_message_survives_a_sigkill_of_the_process_holding_it_and_is_dispatched_once() {
    logs();
    let scheduling = Scheduling::new().await;
    let probe_topic = unique("probe");
    create_topic(&probe_topic, 1).await;
    let env = [
        ("KARAFKA_KAFKA__SESSION_TIMEOUT_MS", "3000"),
        ("KARAFKA_KAFKA__HEARTBEAT_INTERVAL_MS", "500"),
        ("PROBE_SCHEDULES", scheduling.schedules.as_str()),
        ("PROBE_SCHEDULES_GROUP", scheduling.group.as_str()),
    ];
    let producer = scheduling.producer();

    let mut holder = Probe::spawn(PROBE, &probe_topic, &unique("probe-group"), &env);
    holder
        .wait_log("scheduled messages loaded", DISPATCH_WAIT)
        .await;
    let at = SystemTime::now() + Duration::from_secs(6);
    let survivor = Record::new(&scheduling.target, "survivor").key("k");
    scheduling.schedule(&producer, survivor, at).await;
    // The holder reads the envelope within its 500 ms interval; it then holds the schedule.
    tokio::time::sleep(Duration::from_secs(2)).await;
    holder.signal("KILL");
    let (code, _) = holder.wait(Duration::from_secs(10)).await;
    assert_eq!(code, None, "killed by the signal");
    assert!(
        SystemTime::now() < at,
        "the kill must land before the message's time to test anything"
    );
    assert!(scheduling.dispatched("survivor").await.is_empty());

    let mut successor = Probe::spawn(PROBE, &probe_topic, &unique("probe-group"), &env);
    scheduling.wait_dispatched("survivor").await;
    // Long enough for a second dispatch, if there were one.
    tokio::time::sleep(Duration::from_secs(3)).await;
    successor.signal("TERM");
    let (code, stderr) = successor.wait(Duration::from_secs(30)).await;
    assert_eq!(code, Some(0), "{stderr}");

    let dispatched = scheduling.dispatched("survivor").await;
    assert_eq!(dispatched.len(), 1, "dispatched once");
    let produced_at = dispatched[0].timestamp_millis().expect("a create time");
    assert!(produced_at >= millis(at), "never before its time");
}
