//! Helpers for the integration tests: a real broker, unique names, a recording consumer, and a
//! server running in the background.
//!
//! Every test creates its own topics and consumer groups, so tests share one broker and run in
//! parallel.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use karafka::admin::Admin;
use karafka::config::Cluster;
use karafka::instrumentation::{AcknowledgedCommit, COMMITS_TARGET};
use karafka::routing::Routes;
use karafka::server::Readiness;
use karafka::{App, Config, Message, Producer, Record, Shutdown};
use rdkafka::consumer::{BaseConsumer, Consumer as _};
use rdkafka::error::KafkaResult;
use rdkafka::{ClientConfig, Offset, TopicPartitionList};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::{Context as LayerContext, Layer, SubscriberExt as _};
use tracing_subscriber::util::SubscriberInitExt as _;

pub mod browser;
pub mod secure;
pub mod web;

/// The broker the tests use: `KAFKA_BOOTSTRAP_SERVERS`, or the one `scripts/kafka up` starts.
pub fn bootstrap_servers() -> String {
    std::env::var("KAFKA_BOOTSTRAP_SERVERS").unwrap_or_else(|_| "127.0.0.1:9092".into())
}

/// The second cluster of the several-cluster tests: `KAFKA_SECOND_BOOTSTRAP_SERVERS`, or the
/// broker `scripts/kafka second up` starts.
pub fn second_bootstrap_servers() -> String {
    std::env::var("KAFKA_SECOND_BOOTSTRAP_SERVERS").unwrap_or_else(|_| "127.0.0.1:9392".into())
}

/// The second cluster, as routes on it name it.
pub fn second_cluster() -> Cluster {
    Cluster::of(
        &[("bootstrap.servers", second_bootstrap_servers())]
            .into_iter()
            .collect(),
    )
}

/// An admin client of the second cluster.
pub fn second_admin() -> Admin {
    Admin::for_cluster(&config("admin"), &second_cluster()).expect("admin client")
}

/// A name no other test (or earlier run) uses.
pub fn unique(prefix: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!(
        "{prefix}-{}-{nanos}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// Settings for a test: the test broker, group `group`, and short waits so tests run fast.
pub fn config(group: &str) -> Config {
    Config {
        max_wait_time: Duration::from_millis(50),
        pause_timeout: Duration::from_millis(100),
        pause_max_timeout: Duration::from_millis(1_000),
        shutdown_timeout: Duration::from_secs(20),
        ..Config::default()
    }
    .kafka("bootstrap.servers", bootstrap_servers())
    .kafka("auto.commit.interval.ms", 200)
    .group_id(group)
}

/// Creates `topic` with `partitions` partitions.
pub async fn create_topic(topic: &str, partitions: i32) {
    let admin = Admin::new(&config("admin")).expect("admin client");
    admin
        .create_topic(topic, partitions, 1)
        .await
        .expect("topic created");
}

/// A source topic (one partition), its dead-letter topic (`dlq_partitions` partitions), both
/// created, and a consumer group, named after `name` for one test.
pub async fn topics_with_dlq(name: &str, dlq_partitions: i32) -> (String, String, String) {
    let (source, dlq, group) = (
        unique(name),
        unique(&format!("{name}-dlq")),
        unique(&format!("{name}-group")),
    );
    create_topic(&source, 1).await;
    create_topic(&dlq, dlq_partitions).await;
    (source, dlq, group)
}

/// A topic of `partitions` partitions, created, and a consumer group, named after `name` for
/// one test.
pub async fn topic_and_group(name: &str, partitions: i32) -> (String, String) {
    let (topic, group) = (unique(name), unique(&format!("{name}-group")));
    create_topic(&topic, partitions).await;
    (topic, group)
}

/// A producer for the test broker.
pub fn producer() -> Producer {
    Producer::new(&config("producer")).expect("producer")
}

/// Everything in `partition` of `topic` up to its end now, read back from the broker.
pub async fn read_partition(topic: &str, partition: i32) -> Vec<Message> {
    let admin = Admin::new(&config("reader")).expect("admin client");
    let (start, end) = admin
        .watermarks(topic, partition)
        .await
        .expect("watermarks");
    let count = usize::try_from(end - start).expect("watermarks in order");
    admin
        .read_topic(topic, partition, start, count)
        .await
        .expect("partition read")
}

/// Produces the JSON `payloads` to `partition` of `topic`, in order.
pub async fn produce_to(topic: &str, partition: i32, payloads: &[&str]) {
    let records = payloads
        .iter()
        .map(|payload| Record::new(topic, payload.as_bytes()).partition(partition));
    producer()
        .produce_many_sync(records)
        .await
        .expect("messages produced");
}

/// Produces one message `{}` to `partition` of `topic` per timestamp of `timestamps_ms`
/// (milliseconds since the Unix epoch), in order.
pub async fn produce_at_times(topic: &str, partition: i32, timestamps_ms: &[i64]) {
    let records = timestamps_ms.iter().map(|&millis| {
        Record::new(topic, "{}")
            .partition(partition)
            .timestamp_millis(millis)
    });
    producer()
        .produce_many_sync(records)
        .await
        .expect("messages produced");
}

/// `millis` since the Unix epoch as an RFC 3339 time with milliseconds, as the command line takes it.
pub fn rfc3339_millis(millis: i64) -> String {
    let at = UNIX_EPOCH + Duration::from_millis(u64::try_from(millis).expect("after 1970"));
    humantime::format_rfc3339_millis(at).to_string()
}

/// The arguments of `consumer-groups seek --group group --topic topic --to to`.
pub fn seek_args<'a>(group: &'a str, topic: &'a str, to: &'a str) -> Vec<&'a str> {
    vec![
        "consumer-groups",
        "seek",
        "--group",
        group,
        "--topic",
        topic,
        "--to",
        to,
    ]
}

/// The rows of a table a command printed: each line's words, the header line left out.
pub fn table_rows(out: &str) -> Vec<Vec<&str>> {
    out.lines()
        .skip(1)
        .map(|line| line.split_whitespace().collect())
        .collect()
}

/// Produces `count` JSON messages `{"key": k, "seq": n}` with keys `k0..k{keys}`; `seq` counts per
/// key, so per-key order can be checked from what consumers saw.
pub async fn produce_keyed(topic: &str, count: usize, keys: usize) {
    let mut next_seq = vec![0u64; keys];
    let records = (0..count).map(|i| {
        let key = i % keys;
        let seq = next_seq[key];
        next_seq[key] += 1;
        Record::json(topic, &serde_json::json!({"key": key, "seq": seq}))
            .expect("json")
            .key(format!("k{key}"))
    });
    producer()
        .produce_many_sync(records)
        .await
        .expect("messages produced");
}

/// One message as a consumer saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handled {
    pub partition: i32,
    pub offset: i64,
    pub key: Option<String>,
    pub attempt: u32,
    pub at: Instant,
}

/// A shared log of handled messages, written by test consumers.
#[derive(Clone, Default)]
pub struct Log(Arc<Mutex<Vec<Handled>>>);

impl Log {
    pub fn push(&self, handled: Handled) {
        self.0.lock().expect("log").push(handled);
    }

    pub fn record(&self, message: &karafka::Message, attempt: u32) {
        self.push(Handled {
            partition: message.partition(),
            offset: message.offset(),
            key: message
                .key()
                .map(|key| String::from_utf8_lossy(key).into_owned()),
            attempt,
            at: Instant::now(),
        });
    }

    pub fn snapshot(&self) -> Vec<Handled> {
        self.0.lock().expect("log").clone()
    }

    pub fn len(&self) -> usize {
        self.0.lock().expect("log").len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Waits until `done` holds for the log, or panics after `timeout`.
    pub async fn wait_until(
        &self,
        timeout: Duration,
        what: &str,
        done: impl Fn(&[Handled]) -> bool,
    ) {
        let started = Instant::now();
        loop {
            if done(&self.snapshot()) {
                return;
            }
            assert!(
                started.elapsed() < timeout,
                "timed out after {timeout:?} waiting for {what}; log has {} entries",
                self.len()
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Offsets handled per partition, in the order handled.
    pub fn offsets_by_partition(&self) -> BTreeMap<i32, Vec<i64>> {
        let mut by_partition: BTreeMap<i32, Vec<i64>> = BTreeMap::new();
        for handled in self.snapshot() {
            by_partition
                .entry(handled.partition)
                .or_default()
                .push(handled.offset);
        }
        by_partition
    }
}

/// A server running in the background of a test.
pub struct RunningServer {
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<Result<Shutdown, karafka::Error>>,
    readiness: Readiness,
}

impl RunningServer {
    /// Builds an app of `config` and `routes` and starts its server.
    pub fn start(config: Config, routes: Routes) -> Self {
        Self::start_app(
            App::builder()
                .config(config)
                .routes(routes)
                .build()
                .expect("valid app"),
        )
    }

    /// Starts `app`'s server.
    pub fn start_app(app: App) -> Self {
        let (stop, stopped) = oneshot::channel();
        let server = app.server();
        let readiness = server.readiness();
        let task = tokio::spawn(server.run_until(async {
            let _ = stopped.await;
        }));
        Self {
            stop: Some(stop),
            task,
            readiness,
        }
    }

    /// Whether the server is connected, live.
    pub fn readiness(&self) -> &Readiness {
        &self.readiness
    }

    /// Waits for the server to stop by itself (a stop command) and returns how it went.
    pub async fn stopped(mut self) -> Shutdown {
        (&mut self.task)
            .await
            .expect("server task")
            .expect("server ran")
    }

    /// Stops the server gracefully and returns how the shutdown went.
    pub async fn stop(mut self) -> Shutdown {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.stopped().await
    }
}

/// The committed offset of every partition of `topic` for `group` (`None` where nothing was
/// committed), read back from the broker.
pub fn committed_offsets(group: &str, topic: &str, partitions: i32) -> Vec<Option<i64>> {
    read_committed_offsets(group, topic, partitions).expect("committed offsets")
}

/// As [`committed_offsets`], `None` when the broker gave no answer within 10 s: for waits on
/// transactional groups, where an open transaction holds the offsets back
/// (`UNSTABLE_OFFSET_COMMIT`, which librdkafka retries until its timeout), which only means
/// "not yet".
pub fn committed_offsets_once_stable(
    group: &str,
    topic: &str,
    partitions: i32,
) -> Option<Vec<Option<i64>>> {
    read_committed_offsets(group, topic, partitions).ok()
}

fn read_committed_offsets(
    group: &str,
    topic: &str,
    partitions: i32,
) -> KafkaResult<Vec<Option<i64>>> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap_servers())
        .set("group.id", group)
        .create()?;
    let mut list = TopicPartitionList::new();
    for partition in 0..partitions {
        list.add_partition(topic, partition);
    }
    let committed = consumer.committed_offsets(list, Duration::from_secs(10))?;
    Ok((0..partitions)
        .map(|partition| {
            match committed
                .find_partition(topic, partition)
                .map(|e| e.offset())
            {
                Some(Offset::Offset(offset)) => Some(offset),
                _ => None,
            }
        })
        .collect())
}

/// The end offset (high watermark) of every partition of `topic`.
pub fn end_offsets(topic: &str, partitions: i32) -> Vec<i64> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap_servers())
        .create()
        .expect("consumer");
    (0..partitions)
        .map(|partition| {
            consumer
                .fetch_watermarks(topic, partition, Duration::from_secs(10))
                .expect("watermarks")
                .1
        })
        .collect()
}

/// Waits until `done` holds, checking every 50 ms, or panics after `timeout` naming `what`.
pub async fn wait_for(timeout: Duration, what: &str, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(
            started.elapsed() < timeout,
            "timed out after {timeout:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The members of classic group `group` as (client id, member id), once the group is stable.
pub fn stable_group_members(group: &str) -> Option<Vec<(String, String)>> {
    let client: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap_servers())
        .create()
        .expect("client");
    let groups = client
        .fetch_group_list(Some(group), Duration::from_secs(5))
        .ok()?;
    let described = groups.groups().first()?;
    (described.state() == "Stable").then(|| {
        described
            .members()
            .iter()
            .map(|member| (member.client_id().to_owned(), member.id().to_owned()))
            .collect()
    })
}

/// Every commit acknowledgement the runtime reported in this test process.
static ACKNOWLEDGED: Mutex<Vec<AcknowledgedCommit>> = Mutex::new(Vec::new());

struct RecordAcknowledged;

impl<S: tracing::Subscriber> Layer<S> for RecordAcknowledged {
    fn on_event(&self, event: &tracing::Event<'_>, _: LayerContext<'_, S>) {
        if let Some(commit) = AcknowledgedCommit::from_event(event) {
            ACKNOWLEDGED
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(commit);
        }
    }
}

/// Prints the runtime's logs in test output when `RUST_LOG` is set, and records the commits
/// the broker acknowledged for [`acknowledged_commits`].
pub fn logs() {
    let printed = std::env::var_os("RUST_LOG").is_some().then(|| {
        tracing_subscriber::fmt::layer()
            .with_test_writer()
            .with_filter(tracing_subscriber::EnvFilter::from_default_env())
    });
    let commits = Targets::new().with_target(COMMITS_TARGET, tracing::Level::DEBUG);
    let _ = tracing_subscriber::registry()
        .with(printed)
        .with(RecordAcknowledged.with_filter(commits))
        .try_init();
}

/// The highest acknowledged commit of each partition of `topic` so far (needs [`logs`]).
pub fn acknowledged_commits(topic: &str) -> BTreeMap<i32, i64> {
    let mut highest = BTreeMap::new();
    for commit in ACKNOWLEDGED
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .iter()
        .filter(|commit| commit.topic == topic)
    {
        let offset = highest.entry(commit.partition).or_insert(commit.offset);
        *offset = (*offset).max(commit.offset);
    }
    highest
}

/// A test app process (the `probe` binary) consuming one topic.
pub struct Probe {
    child: std::process::Child,
    log: std::path::PathBuf,
    stderr: std::path::PathBuf,
    stdout: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl Probe {
    /// Starts `binary server` for `topic` in `group`, with extra `KARAFKA_*`/`PROBE_*` variables.
    pub fn spawn(binary: &str, topic: &str, group: &str, env: &[(&str, &str)]) -> Self {
        Self::command(binary, &["server"], topic, group, env)
    }

    /// Starts `binary` with `args` (a command of the app's command line) for `topic`.
    pub fn command(
        binary: &str,
        args: &[&str],
        topic: &str,
        group: &str,
        env: &[(&str, &str)],
    ) -> Self {
        Self::command_in(None, binary, args, topic, group, env)
    }

    /// Like [`Probe::command`], in the working directory `cwd` (a fresh one when `None`).
    pub fn command_in(
        cwd: Option<&std::path::Path>,
        binary: &str,
        args: &[&str],
        topic: &str,
        group: &str,
        env: &[(&str, &str)],
    ) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let log = dir.path().join("handled.log");
        let stderr = dir.path().join("stderr.log");
        let stdout = dir.path().join("stdout.log");
        let child = std::process::Command::new(binary)
            .args(args)
            .current_dir(cwd.unwrap_or(dir.path()))
            .env_remove("RUST_LOG")
            // Never the terminal of whoever runs the tests: commands would ask it questions.
            .stdin(std::process::Stdio::null())
            .env("KARAFKA_KAFKA__BOOTSTRAP_SERVERS", bootstrap_servers())
            .env("KARAFKA_KAFKA__AUTO_COMMIT_INTERVAL_MS", "200")
            .env("KARAFKA_GROUP_ID", group)
            .env("KARAFKA_MAX_WAIT_TIME", "50")
            .env("PROBE_TOPIC", topic)
            .env("PROBE_LOG", &log)
            .envs(env.iter().copied())
            .stdout(std::fs::File::create(&stdout).expect("stdout file"))
            .stderr(std::fs::File::create(&stderr).expect("stderr file"))
            .spawn()
            .expect("probe started");
        Self {
            child,
            log,
            stderr,
            stdout,
            _dir: dir,
        }
    }

    /// Runs a command of the app to its end; returns its exit code, stdout and stderr.
    pub async fn output(
        binary: &str,
        args: &[&str],
        topic: &str,
        env: &[(&str, &str)],
    ) -> (Option<i32>, String, String) {
        let mut probe = Self::command(binary, args, topic, "cli-group", env);
        let (code, stderr) = probe.wait(Duration::from_secs(60)).await;
        (code, probe.stdout_text(), stderr)
    }

    /// What the process wrote to stdout so far.
    pub fn stdout_text(&self) -> String {
        read_text(&self.stdout)
    }

    /// `(topic, partition, offset)` of every message handled so far, in the order handled.
    pub fn handled_by_topic(&self) -> Vec<(String, i32, i64)> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .filter_map(|line| {
                let mut fields = line.split(' ');
                let topic = fields.next()?.to_owned();
                Some((
                    topic,
                    fields.next()?.parse().ok()?,
                    fields.next()?.parse().ok()?,
                ))
            })
            .collect()
    }

    /// `(partition, offset)` of every message handled so far, in the order handled.
    pub fn handled(&self) -> Vec<(i32, i64)> {
        self.handled_by_topic()
            .into_iter()
            .map(|(_, partition, offset)| (partition, offset))
            .collect()
    }

    /// The offset of every message handled so far, in the order handled (for one partition).
    pub fn offsets(&self) -> Vec<i64> {
        self.handled()
            .into_iter()
            .map(|(_, offset)| offset)
            .collect()
    }

    /// Waits until at least `count` messages were handled.
    pub async fn wait_handled(&self, count: usize, timeout: Duration) {
        let started = Instant::now();
        while self.handled().len() < count {
            assert!(
                started.elapsed() < timeout,
                "probe handled only {} of {count} messages in {timeout:?}",
                self.handled().len()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The process's id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Sends `signal` (e.g. `"TERM"`, `"KILL"`) to the process.
    pub fn signal(&self, signal: &str) {
        send_signal(self.child.id(), signal);
    }

    /// Waits up to `timeout` for the process to exit; returns its exit code (`None` if killed by
    /// a signal) and what it wrote to stderr.
    pub async fn wait(&mut self, timeout: Duration) -> (Option<i32>, String) {
        let started = Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("probe status") {
                break status;
            }
            if started.elapsed() > timeout {
                let _ = self.child.kill();
                panic!(
                    "probe did not exit within {timeout:?}: {}",
                    self.stderr_text()
                );
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        (status.code(), self.stderr_text())
    }

    /// Waits until the process's log contains `text`.
    pub async fn wait_log(&self, text: &str, timeout: Duration) {
        wait_for_text(&self.stderr, text, timeout, || None).await;
    }

    /// Like [`Probe::wait_log`], for a process that works a long time (builds, say) before it
    /// logs `text`: fails as soon as the process exits instead of at the timeout.
    pub async fn wait_log_or_exit(&mut self, text: &str, timeout: Duration) {
        let child = &mut self.child;
        wait_for_text(&self.stderr, text, timeout, || {
            child.try_wait().expect("probe status")
        })
        .await;
    }

    fn stderr_text(&self) -> String {
        read_text(&self.stderr)
    }
}

/// The running (not zombie) children of process `pid`, e.g. the nodes of a swarm: Linux lists a
/// process's children per thread that started them.
pub fn child_pids(pid: u32) -> Vec<u32> {
    let Ok(threads) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    let mut children: Vec<u32> = threads
        .filter_map(|thread| std::fs::read_to_string(thread.ok()?.path().join("children")).ok())
        .flat_map(|list| {
            list.split_whitespace()
                .filter_map(|child| child.parse().ok())
                .collect::<Vec<u32>>()
        })
        .filter(|child| running(*child))
        .collect();
    children.sort_unstable();
    children
}

/// Whether process `pid` exists and is not a zombie (ended, not yet reaped).
pub fn running(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        stat.rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| state != "Z" && state != "X")
    })
}

/// Sends `signal` (e.g. `"TERM"`, `"TSTP"`) to process `pid`.
pub fn send_signal(pid: u32, signal: &str) {
    let status = std::process::Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(pid.to_string())
        .status()
        .expect("kill runs");
    assert!(status.success(), "kill -{signal} {pid} failed");
}

fn read_text(path: &std::path::Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// Waits until the file at `path` contains `text`; panics after `timeout`, or once `exited`
/// reports the writing process gone without having written it.
async fn wait_for_text(
    path: &std::path::Path,
    text: &str,
    timeout: Duration,
    mut exited: impl FnMut() -> Option<std::process::ExitStatus>,
) {
    let started = Instant::now();
    while !read_text(path).contains(text) {
        // Read once more after the exit: the text may have been written just before it.
        if let Some(status) = exited() {
            assert!(
                read_text(path).contains(text),
                "probe exited ({status}) without logging {text:?}: {}",
                read_text(path)
            );
            return;
        }
        assert!(
            started.elapsed() < timeout,
            "probe never logged {text:?} in {timeout:?}: {}",
            read_text(path)
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

impl Drop for Probe {
    fn drop(&mut self) {
        // A failed test must not leave a consumer running against the shared broker.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A probe process consuming a new one-partition topic of 300 messages in batches of 50 that
/// take 50 × `sleep_ms` ms each, once it handled `handled` of them; with its topic and group.
pub async fn slow_batches(
    binary: &str,
    name: &str,
    sleep_ms: &str,
    handled: usize,
) -> (Probe, String, String) {
    let topic = unique(name);
    let group = unique(&format!("{name}-group"));
    create_topic(&topic, 1).await;
    produce_keyed(&topic, 300, 3).await;
    let probe = Probe::spawn(
        binary,
        &topic,
        &group,
        &[("KARAFKA_MAX_MESSAGES", "50"), ("PROBE_SLEEP_MS", sleep_ms)],
    );
    probe.wait_handled(handled, Duration::from_secs(60)).await;
    (probe, topic, group)
}

/// Whether every offset below `end` of `partition` appears in `handled`.
pub fn all_handled_below(handled: &[(i32, i64)], partition: i32, end: i64) -> bool {
    let seen: std::collections::HashSet<i64> = handled
        .iter()
        .filter(|(p, _)| *p == partition)
        .map(|(_, offset)| *offset)
        .collect();
    (0..end).all(|offset| seen.contains(&offset))
}

/// An address on this host no one listens on now, for an endpoint under test.
pub fn free_address() -> String {
    let socket = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    socket.local_addr().expect("its address").to_string()
}

/// `GET http://{address}{path}`: the status and the body, or `None` when nothing answers.
pub async fn http_get(address: &str, path: &str) -> Option<(u16, String)> {
    http_call(address, path, |agent, url| agent.get(url).call()).await
}

/// Asks `GET http://{address}{path}` every 100 ms until an answer of status 200 satisfies
/// `done`, and returns its body; panics after `timeout` naming `what` and the last answer.
pub async fn http_get_until(
    address: &str,
    path: &str,
    timeout: Duration,
    what: &str,
    done: impl Fn(&str) -> bool,
) -> String {
    let started = Instant::now();
    loop {
        let answer = http_get(address, path).await;
        if let Some((200, body)) = &answer {
            if done(body) {
                return body.clone();
            }
        }
        assert!(
            started.elapsed() < timeout,
            "timed out after {timeout:?} waiting for {what} at {path}; last answer: {answer:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// `POST http://{address}{path}` without a body: the status and the body, or `None` when
/// nothing answers.
pub async fn http_post(address: &str, path: &str) -> Option<(u16, String)> {
    http_call(address, path, |agent, url| agent.post(url).send_empty()).await
}

/// Sends the request `send` makes of `http://{address}{path}`, off the async threads.
async fn http_call(
    address: &str,
    path: &str,
    send: impl FnOnce(&ureq::Agent, &str) -> Result<ureq::http::Response<ureq::Body>, ureq::Error>
        + Send
        + 'static,
) -> Option<(u16, String)> {
    let url = format!("http://{address}{path}");
    tokio::task::spawn_blocking(move || {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(5)))
            .build()
            .into();
        let mut response = send(&agent, &url).ok()?;
        let body = response.body_mut().read_to_string().ok()?;
        Some((response.status().as_u16(), body))
    })
    .await
    .expect("the request task")
}

/// Records the runtime's events for a test: attach [`Events::listener`], read
/// [`Events::snapshot`].
#[derive(Clone, Default)]
pub struct Events(Arc<Mutex<Vec<karafka::instrumentation::Event>>>);

impl Events {
    /// A listener that records every event.
    pub fn listener(&self) -> impl Fn(&karafka::instrumentation::Event) + Send + Sync + 'static {
        let events = Arc::clone(&self.0);
        move |event| {
            events
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(event.clone());
        }
    }

    /// The events so far, in the order they came.
    pub fn snapshot(&self) -> Vec<karafka::instrumentation::Event> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}
