//! The driver of the reliability suite: for each scenario it creates a topic, starts subject
//! processes, produces a known set of keyed messages (acks=all), injects the scenario's faults,
//! samples the group's committed offsets, lets the group settle, stops the subjects, and audits
//! the run. Every run prints its seed, so a failure can be replayed with `--seed`.
//!
//! `scripts/chaos [--quick] [--runs N] [--scenario NAME]...` builds and runs it.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context as _};
use clap::Parser;
use karafka::admin::Admin;
use karafka::middleware::dead_letter_queue::headers;
use karafka::{Config, Producer, Record};
use karafka_reliability::audit::{audit, Report};
use karafka_reliability::history::{CommitSample, Expectations, History, Output, Pause, Produced};
use karafka_reliability::matrix::{self, Row};
use karafka_reliability::proxy::{Blackhole, Conditions, Proxy};
use rdkafka::consumer::{BaseConsumer, Consumer as _};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};

#[derive(Debug, Parser)]
#[command(
    about = "Fault injection against the real broker, audited for loss, order and duplicates"
)]
struct Cli {
    /// Scenarios to run (default: all).
    #[arg(long = "scenario")]
    scenarios: Vec<String>,
    /// Runs of each scenario (default 1; 20 with --matrix).
    #[arg(long)]
    runs: Option<usize>,
    /// The matrix: every scenario (or those named) 20 times unless --runs says otherwise, its
    /// table and chart written to target/chaos/matrix.md and .svg unless --write says where.
    #[arg(long)]
    matrix: bool,
    /// The first run's seed (each further run adds 1); default: from the clock.
    #[arg(long)]
    seed: Option<u64>,
    /// 1,200 messages per run instead of 3,000, for CI.
    #[arg(long)]
    quick: bool,
    /// The subjects' `RUST_LOG` (their stderr is kept with their logs).
    #[arg(long, default_value = "warn")]
    subject_log: String,
    /// Keep every run's subject logs, not only those of runs with violations or notes.
    #[arg(long)]
    keep_logs: bool,
    /// Also write the summary as Markdown to this file, and its chart as SVG next to it
    /// (the same name, ending in .svg).
    #[arg(long)]
    write: Option<PathBuf>,
    /// The broker.
    #[arg(
        long,
        env = "KAFKA_BOOTSTRAP_SERVERS",
        default_value = "127.0.0.1:9092"
    )]
    bootstrap: String,
}

/// What a scenario breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    /// SIGKILL a random subject every second or two, and start another.
    Kill,
    /// SIGTERM a random subject every second or two, and start another.
    Terminate,
    /// Restart the three subjects one after another, five times over.
    Rolling,
    /// Subjects join and leave every few hundred milliseconds.
    Storm,
    /// One handling outruns max.poll.interval.ms: the member leaves, then rejoins.
    Stall,
    /// The broker is down when the subjects start, and stops and restarts mid-run.
    BrokerRestart,
    /// On the 3-node cluster, one broker is SIGKILLed mid-run and restarted when production ends.
    ClusterBrokerKill,
    /// The dead-letter topic refuses writes for a while; poison messages wait, then go there.
    DeadLetterOutage,
    /// Handler errors and panics at random; retries.
    Errors,
    /// Invalid, empty and near-1 MB payloads, null keys, unexpected headers; a dead-letter topic.
    BadInput,
    /// A second routed topic is deleted while it is consumed.
    TopicDeleted,
    /// Subjects transform the input into an output topic in transactions, while subjects are
    /// SIGKILLed, join and leave (a rebalance storm), and the broker restarts once.
    ExactlyOnce,
    /// One subject is a swarm of 3 nodes; a random node is SIGKILLed every second or two, and
    /// the swarm's supervisor must replace it.
    SwarmKill,
    /// A subject holding partitions is frozen (SIGSTOP) mid-stream and woken (SIGCONT): a
    /// stop-the-world pause, after which it must not commit what it lost.
    Pause(Freeze),
    /// The subjects reach the broker through the suite's proxy, which breaks the network.
    Network(Network),
}

impl Fault {
    /// Kills, storms and the broker restart need a longer stream to land between
    /// transactions, and pauses and network faults one to land mid-stream after the group
    /// formed: their quick runs produce over 6 s, not 2.
    fn needs_a_long_stream(self) -> bool {
        matches!(self, Self::ExactlyOnce | Self::Pause(_) | Self::Network(_))
    }

    /// Whether members may lose their partitions without a clean handover, so what they
    /// handled may repeat: the member that stalls; every member cut off from the coordinator;
    /// and under `max.poll.interval.ms` 3 s, where a revocation may not wait for a running job
    /// (the runtime's grace is the interval less a heartbeat, 3 s by librdkafka's default,
    /// and a second).
    fn evicts(self) -> bool {
        matches!(
            self,
            Self::Stall
                | Self::Network(Network::CoordinatorBlackhole)
                | Self::Pause(Freeze::For(_))
        )
    }
}

/// What the proxy does to the subjects' connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Network {
    /// The group coordinator's connections are blackholed for longer than the session
    /// timeout, while fetches flow: every member loses its partitions, then rejoins.
    CoordinatorBlackhole,
    /// Bandwidth is throttled throughout, with 500 ms latency spikes longer than the commit
    /// interval, so commits land in them.
    Slow,
    /// Every connection is cut every few seconds.
    Cuts,
}

/// How long a paused subject stays frozen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Freeze {
    /// Past its session timeout, until every partition it held went to another member.
    UntilMoved,
    /// Past `max.poll.interval.ms` but within the session timeout, in milliseconds.
    For(u64),
}

struct Scenario {
    name: &'static str,
    fault: Fault,
    /// Extra subject settings.
    env: &'static [(&'static str, &'static str)],
    virtual_partitions: bool,
}

/// librdkafka's default session timeout. Members keep their partitions through a broker restart
/// or a coordinator failover (10–20 s here), so nothing may repeat; with the suite's 6 s they
/// drop them and redo what was not committed yet.
const OUTLAST_BROKER_OUTAGES: (&str, &str) = ("KARAFKA_KAFKA__SESSION_TIMEOUT_MS", "45000");

/// The subjects' `session.timeout.ms`, unless a scenario sets its own: how long a killed member's
/// partitions wait for a new owner.
const SESSION_TIMEOUT: Duration = Duration::from_secs(6);

/// The broker's `PROXIED` listener, and the port it advertises, where the proxy listens.
const PROXIED_LISTENER: &str = "127.0.0.1:9097";
const PROXY: &str = "127.0.0.1:19097";
/// The proxy's bandwidth per direction of a connection in the slow-network scenario.
const THROTTLE_BYTES_PER_SECOND: u64 = 32 * 1024;

const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "kill",
        fault: Fault::Kill,
        env: &[],
        virtual_partitions: false,
    },
    Scenario {
        name: "kill-virtual",
        fault: Fault::Kill,
        env: &[("RELIABILITY_VIRTUAL", "8")],
        virtual_partitions: true,
    },
    Scenario {
        name: "terminate",
        fault: Fault::Terminate,
        env: &[],
        virtual_partitions: false,
    },
    Scenario {
        name: "rolling-restart",
        fault: Fault::Rolling,
        env: &[],
        virtual_partitions: false,
    },
    Scenario {
        name: "storm-eager",
        fault: Fault::Storm,
        env: &[],
        virtual_partitions: false,
    },
    Scenario {
        name: "storm-cooperative",
        fault: Fault::Storm,
        env: &[(
            "KARAFKA_KAFKA__PARTITION_ASSIGNMENT_STRATEGY",
            "cooperative-sticky",
        )],
        virtual_partitions: false,
    },
    Scenario {
        name: "storm-kip848",
        fault: Fault::Storm,
        env: &[("KARAFKA_KAFKA__GROUP_PROTOCOL", "consumer")],
        virtual_partitions: false,
    },
    Scenario {
        name: "max-poll-interval",
        fault: Fault::Stall,
        env: &[
            ("KARAFKA_KAFKA__MAX_POLL_INTERVAL_MS", "3000"),
            ("KARAFKA_KAFKA__SESSION_TIMEOUT_MS", "1000"),
            ("KARAFKA_KAFKA__HEARTBEAT_INTERVAL_MS", "300"),
        ],
        virtual_partitions: false,
    },
    Scenario {
        name: "broker-restart",
        fault: Fault::BrokerRestart,
        env: &[OUTLAST_BROKER_OUTAGES],
        virtual_partitions: false,
    },
    Scenario {
        name: "cluster-broker-kill",
        fault: Fault::ClusterBrokerKill,
        env: &[OUTLAST_BROKER_OUTAGES],
        virtual_partitions: false,
    },
    Scenario {
        name: "dlq-outage",
        fault: Fault::DeadLetterOutage,
        env: &[],
        virtual_partitions: false,
    },
    Scenario {
        name: "errors-and-panics",
        fault: Fault::Errors,
        env: &[
            ("RELIABILITY_ERROR_RATE", "0.05"),
            ("RELIABILITY_PANIC_RATE", "0.01"),
        ],
        virtual_partitions: false,
    },
    Scenario {
        name: "bad-input",
        fault: Fault::BadInput,
        env: &[],
        virtual_partitions: false,
    },
    Scenario {
        name: "exactly-once",
        fault: Fault::ExactlyOnce,
        env: &[],
        virtual_partitions: false,
    },
    Scenario {
        name: "swarm-kill",
        fault: Fault::SwarmKill,
        env: &[
            ("KARAFKA_SWARM__NODE_RESTART_TIMEOUT", "200"),
            ("KARAFKA_SWARM__LIVENESS_INTERVAL", "500"),
            ("KARAFKA_SWARM__NODE_REPORT_TIMEOUT", "10000"),
        ],
        virtual_partitions: false,
    },
    Scenario {
        name: "pause-session",
        fault: Fault::Pause(Freeze::UntilMoved),
        env: &[],
        virtual_partitions: false,
    },
    Scenario {
        name: "pause-max-poll",
        // Under KIP-848 the session timeout is the broker's (6 s on the development broker),
        // so max.poll.interval.ms may be shorter: the 4.5 s freeze outlasts only the latter.
        fault: Fault::Pause(Freeze::For(4_500)),
        env: &[
            ("KARAFKA_KAFKA__GROUP_PROTOCOL", "consumer"),
            ("KARAFKA_KAFKA__MAX_POLL_INTERVAL_MS", "3000"),
        ],
        virtual_partitions: false,
    },
    Scenario {
        name: "network-coordinator-blackhole",
        fault: Fault::Network(Network::CoordinatorBlackhole),
        env: &[],
        virtual_partitions: false,
    },
    Scenario {
        name: "network-slow",
        fault: Fault::Network(Network::Slow),
        env: &[],
        virtual_partitions: false,
    },
    Scenario {
        name: "network-cuts",
        fault: Fault::Network(Network::Cuts),
        env: &[],
        virtual_partitions: false,
    },
    Scenario {
        name: "topic-deleted",
        fault: Fault::TopicDeleted,
        // librdkafka notices a deleted topic at its next metadata refresh (karafka's default: 10 s).
        env: &[("KARAFKA_KAFKA__TOPIC_METADATA_REFRESH_INTERVAL_MS", "500")],
        virtual_partitions: false,
    },
];

const PARTITIONS: i32 = 4;
/// `scripts/kafka cluster`: 3 nodes, replication 3, `min.insync.replicas` 2.
const CLUSTER: &str = "127.0.0.1:9191,127.0.0.1:9192,127.0.0.1:9193";
const CLUSTER_NODES: u64 = 3;
const SUBJECTS: usize = 3;
/// The nodes of the swarm-kill scenario's one subject.
const SWARM_NODES: usize = 3;
const KEYS: u32 = 64;
/// Close to the producer's `message.max.bytes` (1,000,000) without exceeding it.
const BIG_PAYLOAD: usize = 990_000;
/// The subjects' `transaction.timeout.ms`, the broker's check for timed-out transactions (1 s)
/// and a margin: after it, the broker has aborted every transaction a subject left open (killed,
/// or stopped with a job still running), so `read_committed` reads reach the end.
const ABANDONED_TRANSACTIONS_ABORTED: Duration = Duration::from_secs(15);

/// A small deterministic generator (xorshift), so fault timing replays from the seed.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn millis(&mut self, from: u64, to: u64) -> Duration {
        Duration::from_millis(from + self.next() % (to - from).max(1))
    }
}

fn now_micros() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64)
}

/// The subject processes of a run.
struct Subjects {
    binary: PathBuf,
    /// The command line: `server`, or `swarm --nodes 3`.
    args: Vec<String>,
    /// How many run when no fault is being injected.
    target: usize,
    dir: PathBuf,
    env: Vec<(String, String)>,
    running: Vec<Child>,
    started: usize,
    killed: HashSet<u32>,
    paused: Vec<Pause>,
    all: HashSet<u32>,
    /// Broken promises seen outside the logs: bad exits, unclear errors.
    problems: Vec<String>,
}

impl Subjects {
    fn spawn(&mut self) -> anyhow::Result<()> {
        self.started += 1;
        let log = self.dir.join(format!("subject-{}.log", self.started));
        let stderr =
            std::fs::File::create(self.dir.join(format!("subject-{}.stderr", self.started)))?;
        let child = Command::new(&self.binary)
            .args(&self.args)
            .current_dir(&self.dir)
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .env("RELIABILITY_LOG", log)
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .context("starting a subject")?;
        self.all.insert(child.id());
        self.running.push(child);
        Ok(())
    }

    /// SIGKILLs the `index`-th running subject.
    fn kill(&mut self, index: usize) {
        let mut child = self.running.remove(index);
        signal(child.id(), "KILL");
        let _ = child.wait();
        self.killed.insert(child.id());
    }

    /// Freezes a running subject that holds partitions and handled a message in the last half
    /// second, by its log, picked by `pick`, and wakes it after `freeze`: it freezes with
    /// messages fetched, handled or stored but not committed. A wait that ends without what it
    /// waited for is noted.
    async fn pause(&mut self, freeze: Freeze, pick: u64) -> anyhow::Result<()> {
        let started = Instant::now();
        let pid = loop {
            let (log, now) = (logged(&self.dir)?, now_micros());
            let busy: Vec<u32> = self
                .running
                .iter()
                .map(Child::id)
                .filter(|&pid| {
                    let held = log.held(pid, now);
                    log.handled.iter().any(|h| {
                        h.pid == pid && held.contains(&h.partition) && h.at + 500_000 > now
                    })
                })
                .collect();
            if !busy.is_empty() {
                break busy[(pick % busy.len() as u64) as usize];
            }
            if started.elapsed() > Duration::from_secs(10) {
                self.problems.push(
                    "no subject was handling a partition within 10 s, so none was paused".into(),
                );
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        signal(pid, "STOP");
        let stopped = now_micros();
        // Woken even when reading the logs failed: a frozen subject would hold the run.
        let frozen = self.frozen(freeze, pid, stopped).await;
        signal(pid, "CONT");
        self.paused.push(Pause {
            pid,
            stopped,
            continued: now_micros(),
        });
        frozen
    }

    /// Waits while subject `pid`, frozen at `stopped`, stays frozen.
    async fn frozen(&mut self, freeze: Freeze, pid: u32, stopped: u64) -> anyhow::Result<()> {
        match freeze {
            Freeze::For(millis) => tokio::time::sleep(Duration::from_millis(millis)).await,
            Freeze::UntilMoved => {
                tokio::time::sleep(SESSION_TIMEOUT).await;
                let waited = Instant::now();
                while !logged(&self.dir)?.moved_on(pid, stopped) {
                    if waited.elapsed() > Duration::from_secs(30) {
                        self.problems.push(format!(
                            "the partitions of subject {pid} did not move within {} s of its freeze",
                            (SESSION_TIMEOUT + waited.elapsed()).as_secs()
                        ));
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        }
        Ok(())
    }

    /// SIGKILLs one node of the running swarms, picked by `pick`.
    fn kill_node(&mut self, pick: u64) {
        let nodes: Vec<u32> = self.running.iter().flat_map(|s| nodes_of(s.id())).collect();
        if nodes.is_empty() {
            return;
        }
        let node = nodes[(pick % nodes.len() as u64) as usize];
        signal(node, "KILL");
        self.killed.insert(node);
    }

    /// Waits up to 10 s until every swarm runs all its nodes again; notes one that does not.
    async fn swarms_whole(&mut self) {
        let started = Instant::now();
        loop {
            let short: Vec<(u32, usize)> = self
                .running
                .iter()
                .map(|swarm| (swarm.id(), nodes_of(swarm.id()).len()))
                .filter(|(_, nodes)| *nodes != SWARM_NODES)
                .collect();
            if short.is_empty() {
                return;
            }
            if started.elapsed() > Duration::from_secs(10) {
                for (swarm, nodes) in short {
                    self.problems.push(format!(
                        "swarm {swarm} runs {nodes} node(s), not {SWARM_NODES}, after the kills"
                    ));
                }
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// SIGTERMs the `index`-th running subject and waits for it; a non-zero exit is noted.
    async fn terminate(&mut self, index: usize) {
        let mut child = self.running.remove(index);
        signal(child.id(), "TERM");
        let started = Instant::now();
        loop {
            match child.try_wait() {
                Ok(Some(status)) => {
                    if status.code() != Some(0) {
                        self.problems
                            .push(format!("subject {} exited with {status}", child.id()));
                    }
                    return;
                }
                Ok(None) if started.elapsed() < Duration::from_secs(60) => {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                _ => {
                    self.problems
                        .push(format!("subject {} did not stop within 60 s", child.id()));
                    let _ = child.kill();
                    return;
                }
            }
        }
    }

    async fn terminate_all(&mut self) {
        while !self.running.is_empty() {
            self.terminate(0).await;
        }
    }
}

impl Drop for Subjects {
    /// A run that fails half-way leaves no subject behind.
    fn drop(&mut self) {
        for child in &mut self.running {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Sends `signal` (`KILL`, `TERM`, `STOP`, `CONT`) to process `pid`.
fn signal(pid: u32, signal: &str) {
    let _ = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(pid.to_string())
        .status();
}

/// What the subjects logged in `dir` so far; a line still being written is left for later.
fn logged(dir: &std::path::Path) -> anyhow::Result<History> {
    let mut history = History::default();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "log") {
            let text = std::fs::read_to_string(&path)?;
            let complete = text.rfind('\n').map_or("", |end| &text[..=end]);
            history.read_log(complete)?;
        }
    }
    Ok(history)
}

/// The running children of process `pid` (a swarm's nodes), which Linux lists per thread of
/// `pid` that started them.
fn nodes_of(pid: u32) -> Vec<u32> {
    let Ok(threads) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    threads
        .filter_map(|thread| std::fs::read_to_string(thread.ok()?.path().join("children")).ok())
        .flat_map(|list| {
            list.split_whitespace()
                .filter_map(|child| child.parse::<u32>().ok())
                .collect::<Vec<_>>()
        })
        // A node killed but not reaped yet is a zombie (state `Z`).
        .filter(|child| {
            std::fs::read_to_string(format!("/proc/{child}/stat")).is_ok_and(|stat| {
                stat.rsplit_once(')')
                    .is_some_and(|(_, rest)| !rest.trim_start().starts_with('Z'))
            })
        })
        .collect()
}

/// Samples the group's committed offsets every 200 ms on a thread of its own, until dropped.
struct Sampler {
    samples: Arc<Mutex<Vec<CommitSample>>>,
    sampling: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Sampler {
    fn start(bootstrap: &str, group: &str, topic: &str) -> anyhow::Result<Self> {
        let consumer: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", bootstrap)
            .set("group.id", group)
            .create()?;
        let (samples, sampling) = (
            Arc::<Mutex<Vec<CommitSample>>>::default(),
            Arc::new(AtomicBool::new(true)),
        );
        let thread = {
            let (samples, sampling, topic) = (
                Arc::clone(&samples),
                Arc::clone(&sampling),
                topic.to_owned(),
            );
            std::thread::spawn(move || {
                while sampling.load(Ordering::Relaxed) {
                    if let Some(offsets) = committed(&consumer, &topic) {
                        // Stamped on arrival: an answer delayed by a broker restart shows
                        // commits made while it was pending.
                        let at = now_micros();
                        let mut samples = samples.lock().unwrap_or_else(PoisonError::into_inner);
                        samples.extend(offsets.iter().enumerate().filter_map(|(p, o)| {
                            o.map(|offset| CommitSample {
                                at,
                                partition: p as i32,
                                offset,
                            })
                        }));
                    }
                    std::thread::sleep(Duration::from_millis(200));
                }
            })
        };
        Ok(Self {
            samples,
            sampling,
            thread: Some(thread),
        })
    }

    /// Stops sampling and returns the samples.
    fn finish(mut self) -> Vec<CommitSample> {
        self.stop();
        std::mem::take(&mut *self.samples.lock().unwrap_or_else(PoisonError::into_inner))
    }

    fn stop(&mut self) {
        self.sampling.store(false, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Sampler {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Committed offsets of `group` on `topic`, read from the broker.
fn committed(consumer: &BaseConsumer, topic: &str) -> Option<Vec<Option<i64>>> {
    let mut list = TopicPartitionList::new();
    for partition in 0..PARTITIONS {
        list.add_partition(topic, partition);
    }
    let committed = consumer
        .committed_offsets(list, Duration::from_secs(5))
        .ok()?;
    Some(
        (0..PARTITIONS)
            .map(
                |p| match committed.find_partition(topic, p).map(|e| e.offset()) {
                    Some(Offset::Offset(offset)) => Some(offset),
                    _ => None,
                },
            )
            .collect(),
    )
}

struct Run<'a> {
    scenario: &'a Scenario,
    seed: u64,
    messages: usize,
    rate: u64,
    config: Config,
    root: PathBuf,
    subject_log: String,
}

impl Run<'_> {
    async fn execute(&self, bootstrap: &str) -> anyhow::Result<(Report, PathBuf)> {
        // Unique per execution: a replayed seed must not meet the previous run's group.
        let name = format!(
            "rel-{}-{}-{:x}",
            self.scenario.name,
            self.seed,
            now_micros() % 0x10_0000
        );
        let (topic, group, dlq, extra, output) = (
            name.clone(),
            format!("{name}-group"),
            format!("{name}-dlq"),
            format!("{name}-extra"),
            format!("{name}-output"),
        );
        let exactly_once = self.scenario.fault == Fault::ExactlyOnce;
        let admin = Admin::new(&self.config)?;
        let replicas = if self.scenario.fault == Fault::ClusterBrokerKill {
            CLUSTER_NODES as i32
        } else {
            1
        };
        admin.create_topic(&topic, PARTITIONS, replicas).await?;
        let uses_dlq = matches!(
            self.scenario.fault,
            Fault::DeadLetterOutage | Fault::BadInput
        );
        if uses_dlq {
            admin.create_topic(&dlq, PARTITIONS, replicas).await?;
        }
        if self.scenario.fault == Fault::DeadLetterOutage {
            admin
                .alter_topic_settings(
                    &dlq,
                    &[("max.message.bytes".to_owned(), "64".to_owned())].into(),
                )
                .await?;
        }
        if self.scenario.fault == Fault::TopicDeleted {
            admin.create_topic(&extra, 1, replicas).await?;
        }
        if exactly_once {
            admin.create_topic(&output, PARTITIONS, replicas).await?;
        }
        let proxy = match self.scenario.fault {
            Fault::Network(_) => Some(start_proxy().await?),
            _ => None,
        };
        let subjects_bootstrap = if proxy.is_some() { PROXY } else { bootstrap };
        let dir = std::env::temp_dir().join(format!("karafka-chaos-{name}"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;

        let mut env: Vec<(String, String)> = vec![
            (
                "KARAFKA_KAFKA__BOOTSTRAP_SERVERS".into(),
                subjects_bootstrap.into(),
            ),
            ("KARAFKA_GROUP_ID".into(), group.clone()),
            ("KARAFKA_MAX_WAIT_TIME".into(), "100".into()),
            ("KARAFKA_PAUSE_TIMEOUT".into(), "100".into()),
            ("KARAFKA_PAUSE_MAX_TIMEOUT".into(), "1000".into()),
            ("KARAFKA_SHUTDOWN_TIMEOUT".into(), "20000".into()),
            (
                "KARAFKA_KAFKA__AUTO_COMMIT_INTERVAL_MS".into(),
                "500".into(),
            ),
            ("RELIABILITY_TOPIC".into(), topic.clone()),
            ("RELIABILITY_SEED".into(), self.seed.to_string()),
            ("RELIABILITY_SLOW_MS".into(), "1".into()),
            ("RUST_LOG".into(), self.subject_log.clone()),
        ];
        // How long a killed member's partitions wait for a new owner. Under KIP-848 the broker
        // owns this setting and librdkafka refuses it.
        if !self
            .scenario
            .env
            .contains(&("KARAFKA_KAFKA__GROUP_PROTOCOL", "consumer"))
        {
            env.push((
                "KARAFKA_KAFKA__SESSION_TIMEOUT_MS".into(),
                SESSION_TIMEOUT.as_millis().to_string(),
            ));
            env.push(("KARAFKA_KAFKA__HEARTBEAT_INTERVAL_MS".into(), "1000".into()));
        }
        env.extend(
            self.scenario
                .env
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        if uses_dlq {
            env.push(("RELIABILITY_DLQ".into(), dlq.clone()));
        }
        if self.scenario.fault == Fault::TopicDeleted {
            env.push(("RELIABILITY_EXTRA_TOPIC".into(), extra.clone()));
        }
        if exactly_once {
            env.push(("RELIABILITY_OUTPUT".into(), output.clone()));
        }
        if self.scenario.fault == Fault::Stall {
            let offset = self.messages as i64 / i64::from(PARTITIONS) / 3;
            env.push(("RELIABILITY_STALL".into(), format!("{offset}:5000")));
        }
        let binary = std::env::current_exe()?.with_file_name("subject");
        let swarm = self.scenario.fault == Fault::SwarmKill;
        let (args, target) = if swarm {
            let nodes = SWARM_NODES.to_string();
            (vec!["swarm".to_owned(), "--nodes".to_owned(), nodes], 1)
        } else {
            (vec!["server".to_owned()], SUBJECTS)
        };
        let subjects = Arc::new(tokio::sync::Mutex::new(Subjects {
            binary,
            args,
            target,
            dir: dir.clone(),
            env,
            running: Vec::new(),
            started: 0,
            killed: HashSet::new(),
            paused: Vec::new(),
            all: HashSet::new(),
            problems: Vec::new(),
        }));

        if self.scenario.fault == Fault::BrokerRestart {
            self.kafka(&["down"])?;
        }
        for _ in 0..target {
            subjects.lock().await.spawn()?;
        }
        if self.scenario.fault == Fault::BrokerRestart {
            tokio::time::sleep(Duration::from_secs(2)).await;
            self.kafka(&["up"])?;
        }

        let sampler = Sampler::start(bootstrap, &group, &topic)?;
        let producing = tokio::spawn(produce(
            self.config.clone(),
            topic.clone(),
            self.messages,
            self.rate,
            self.scenario.fault,
        ));
        let fault = self.fault(Arc::clone(&subjects), &admin, &dlq, &extra, proxy.as_ref());
        let (produced, faulted) = tokio::join!(async { producing.await? }, fault);
        let produced = produced?;
        faulted.context("injecting the fault")?;

        // Let the group settle: every partition committed to its end.
        {
            let mut subjects = subjects.lock().await;
            while subjects.running.len() < subjects.target {
                subjects.spawn()?;
            }
        }
        let ends = ends(&produced);
        let checker: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", bootstrap)
            .set("group.id", &group)
            .create()?;
        let settled = Instant::now();
        let mut final_commits = Vec::new();
        while settled.elapsed() < Duration::from_secs(90) {
            // An unanswered read (a broker still starting) says nothing: ask again.
            if let Some(commits) = committed(&checker, &topic) {
                final_commits = commits;
                if final_commits
                    .iter()
                    .zip(&ends)
                    .all(|(c, e)| *e == 0 || *c == Some(*e))
                {
                    break;
                }
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let (killed, paused, mut problems, all) = {
            let mut subjects = subjects.lock().await;
            if swarm {
                subjects.swarms_whole().await;
            }
            subjects.terminate_all().await;
            (
                subjects.killed.clone(),
                subjects.paused.clone(),
                subjects.problems.clone(),
                subjects.all.clone(),
            )
        };
        let stopped = Instant::now();
        if let (Some(proxy), Fault::Network(network)) = (&proxy, self.scenario.fault) {
            problems.extend(proxy_missed(proxy, network));
        }
        // A member that stops gracefully leaves its group; one left behind would stall the
        // group's next rebalance until session.timeout.ms.
        if killed.is_empty() {
            if let Some(members) = lingering_members(&admin, &group).await {
                problems.push(format!(
                    "{members} member(s) still in the group after every subject stopped"
                ));
            }
        }
        let mut history = History {
            produced,
            commits: sampler.finish(),
            final_commits,
            ends,
            ..logged(&dir)?
        };
        if uses_dlq {
            history.dead_letters = dead_letters(&admin, &dlq).await?;
        }
        if exactly_once {
            if let Some(wait) = ABANDONED_TRANSACTIONS_ABORTED.checked_sub(stopped.elapsed()) {
                tokio::time::sleep(wait).await;
            }
            history.outputs = outputs(&admin, &output).await?;
        }
        let expect = Expectations {
            per_key_order: self.scenario.virtual_partitions,
            killed,
            paused,
            evicted: if self.scenario.fault.evicts() {
                all
            } else {
                HashSet::new()
            },
            exactly_once,
        };
        let mut report = audit(&history, &expect);
        report.violations.extend(problems);
        let _ = admin.delete_topic(&topic).await;
        if uses_dlq {
            let _ = admin.delete_topic(&dlq).await;
        }
        if exactly_once {
            let _ = admin.delete_topic(&output).await;
        }
        Ok((report, dir))
    }

    fn kafka(&self, command: &[&str]) -> anyhow::Result<()> {
        kafka(&self.root, command)
    }

    /// Injects the scenario's faults while the messages are produced.
    async fn fault(
        &self,
        subjects: Arc<tokio::sync::Mutex<Subjects>>,
        admin: &Admin,
        dlq: &str,
        extra: &str,
        proxy: Option<&Proxy>,
    ) -> anyhow::Result<()> {
        let mut dice = Dice(self.seed.max(1));
        let span = Duration::from_millis(self.messages as u64 * 1_000 / self.rate.max(1));
        let started = Instant::now();
        match self.scenario.fault {
            Fault::Kill | Fault::Terminate => {
                while started.elapsed() < span {
                    tokio::time::sleep(dice.millis(800, 2_000)).await;
                    let mut subjects = subjects.lock().await;
                    let index = (dice.next() % subjects.running.len().max(1) as u64) as usize;
                    if subjects.running.is_empty() {
                        continue;
                    }
                    if self.scenario.fault == Fault::Kill {
                        subjects.kill(index);
                    } else {
                        subjects.terminate(index).await;
                    }
                    subjects.spawn()?;
                }
            }
            Fault::Rolling => {
                for _ in 0..5 {
                    for _ in 0..SUBJECTS {
                        tokio::time::sleep(dice.millis(300, 700)).await;
                        let mut subjects = subjects.lock().await;
                        subjects.terminate(0).await;
                        subjects.spawn()?;
                    }
                }
            }
            Fault::Storm => {
                while started.elapsed() < span {
                    tokio::time::sleep(dice.millis(300, 600)).await;
                    let mut subjects = subjects.lock().await;
                    if subjects.running.len() > SUBJECTS && dice.next().is_multiple_of(2) {
                        let index = SUBJECTS
                            + (dice.next() % (subjects.running.len() - SUBJECTS) as u64) as usize;
                        subjects.terminate(index).await;
                    } else if subjects.running.len() < SUBJECTS + 2 {
                        subjects.spawn()?;
                    }
                }
            }
            Fault::BrokerRestart => {
                tokio::time::sleep(span / 3).await;
                self.kafka(&["down"])?;
                tokio::time::sleep(Duration::from_secs(2)).await;
                self.kafka(&["up"])?;
            }
            Fault::ClusterBrokerKill => {
                tokio::time::sleep(span / 3).await;
                let node = (dice.next() % CLUSTER_NODES + 1).to_string();
                self.kafka(&["cluster", "kill", &node])?;
                tokio::time::sleep(span.saturating_sub(started.elapsed())).await;
                self.kafka(&["cluster", "up"])?;
            }
            Fault::DeadLetterOutage => {
                tokio::time::sleep(span / 2).await;
                admin
                    .alter_topic_settings(
                        dlq,
                        &[("max.message.bytes".to_owned(), "1048588".to_owned())].into(),
                    )
                    .await?;
            }
            Fault::TopicDeleted => {
                tokio::time::sleep(span / 2).await;
                admin.delete_topic(extra).await?;
            }
            Fault::BadInput => {
                let problems = tokio::task::spawn_blocking({
                    let subjects = Arc::clone(&subjects);
                    move || invalid_settings(&subjects.blocking_lock())
                })
                .await??;
                subjects.lock().await.problems.extend(problems);
            }
            Fault::ExactlyOnce => {
                let mut restarted = false;
                while started.elapsed() < span {
                    tokio::time::sleep(dice.millis(500, 1_500)).await;
                    if !restarted && started.elapsed() >= span / 3 {
                        restarted = true;
                        self.kafka(&["down"])?;
                        tokio::time::sleep(Duration::from_secs(2)).await;
                        self.kafka(&["up"])?;
                        continue;
                    }
                    let mut subjects = subjects.lock().await;
                    let running = subjects.running.len();
                    match dice.next() % 3 {
                        0 if running > 0 => {
                            let index = (dice.next() % running as u64) as usize;
                            subjects.kill(index);
                            subjects.spawn()?;
                        }
                        1 if running < SUBJECTS + 2 => subjects.spawn()?,
                        _ if running > SUBJECTS => {
                            let index =
                                SUBJECTS + (dice.next() % (running - SUBJECTS) as u64) as usize;
                            subjects.terminate(index).await;
                        }
                        _ => {}
                    }
                }
            }
            Fault::SwarmKill => {
                while started.elapsed() < span {
                    tokio::time::sleep(dice.millis(800, 2_000)).await;
                    subjects.lock().await.kill_node(dice.next());
                }
            }
            Fault::Pause(freeze) => {
                let third = span.as_millis() as u64 / 3;
                tokio::time::sleep(dice.millis(third, third * 2)).await;
                subjects.lock().await.pause(freeze, dice.next()).await?;
            }
            Fault::Network(network) => {
                let proxy = proxy.context("a network scenario runs through the proxy")?;
                match network {
                    Network::CoordinatorBlackhole => {
                        tokio::time::sleep(span / 3).await;
                        proxy.set(Conditions {
                            blackhole: Some(Blackhole::GroupCoordinator),
                            ..Conditions::default()
                        });
                        tokio::time::sleep(SESSION_TIMEOUT + Duration::from_secs(3)).await;
                        proxy.set(Conditions::default());
                    }
                    Network::Slow => {
                        let throttled = Conditions {
                            bytes_per_second: Some(THROTTLE_BYTES_PER_SECOND),
                            ..Conditions::default()
                        };
                        proxy.set(throttled);
                        while started.elapsed() < span {
                            tokio::time::sleep(dice.millis(800, 1_500)).await;
                            proxy.set(Conditions {
                                latency: Duration::from_millis(500),
                                ..throttled
                            });
                            tokio::time::sleep(dice.millis(600, 1_200)).await;
                            proxy.set(throttled);
                        }
                        proxy.set(Conditions::default());
                    }
                    Network::Cuts => {
                        while started.elapsed() < span {
                            tokio::time::sleep(dice.millis(1_500, 3_000)).await;
                            proxy.cut();
                        }
                    }
                }
            }
            Fault::Stall | Fault::Errors => {}
        }
        Ok(())
    }
}

/// Starts the proxy in front of the broker's `PROXIED` listener, which a broker started by an
/// older `scripts/kafka` lacks.
async fn start_proxy() -> anyhow::Result<Proxy> {
    let upstream: std::net::SocketAddr = PROXIED_LISTENER.parse()?;
    tokio::net::TcpStream::connect(upstream)
        .await
        .with_context(|| {
            format!(
            "the broker has no PROXIED listener on {PROXIED_LISTENER} for the network scenarios; \
             restart it with `scripts/kafka down && scripts/kafka up`"
        )
        })?;
    Proxy::start(PROXY.parse()?, upstream)
        .await
        .with_context(|| format!("starting the network proxy on {PROXY}"))
}

/// What a network scenario's proxy should have done and did not: a run that broke nothing
/// proves nothing.
fn proxy_missed(proxy: &Proxy, network: Network) -> Option<String> {
    let counts = proxy.counts();
    match network {
        Network::CoordinatorBlackhole
            if counts.coordinator_connections.load(Ordering::Relaxed) == 0 =>
        {
            Some("no connection to the group coordinator went through the proxy".into())
        }
        Network::Cuts if counts.cut.load(Ordering::Relaxed) == 0 => {
            Some("the proxy cut no connection".into())
        }
        _ if counts.connections.load(Ordering::Relaxed) == 0 => {
            Some("no subject connected through the proxy".into())
        }
        _ => None,
    }
}

/// Runs `scripts/kafka` of the workspace at `root` with `command`.
fn kafka(root: &std::path::Path, command: &[&str]) -> anyhow::Result<()> {
    let status = Command::new(root.join("scripts/kafka"))
        .args(command)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()?;
    if !status.success() {
        bail!("scripts/kafka {} failed", command.join(" "));
    }
    Ok(())
}

/// Settings a subject must refuse at start, and the name its error must give.
const INVALID_SETTINGS: &[(&str, &str, &str)] = &[
    (
        "KARAFKA_KAFKA__SESSION_TIMEOUT_MS",
        "soon",
        "session.timeout.ms",
    ),
    (
        "KARAFKA_KAFKA__ENABLE_AUTO_OFFSET_STORE",
        "true",
        "enable.auto.offset.store",
    ),
    ("KARAFKA_CONCURRENCY", "0", "concurrency"),
    ("KARAFKA_MAX_WAIT_TIME", "later", "max_wait_time"),
];

/// Starts a subject with each invalid setting; each must exit at once with code 1 and an error
/// naming the setting.
fn invalid_settings(subjects: &Subjects) -> anyhow::Result<Vec<String>> {
    let mut problems = Vec::new();
    for (name, value, named) in INVALID_SETTINGS {
        let output = Command::new(&subjects.binary)
            .arg("server")
            .current_dir(&subjects.dir)
            .envs(subjects.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .env(name, value)
            .env("RELIABILITY_LOG", subjects.dir.join("refused.log"))
            .output()?;
        let stderr = String::from_utf8_lossy(&output.stderr);
        if output.status.code() != Some(1) || !stderr.contains(named) {
            problems.push(format!(
                "bad input: {name}={value} gave {} and {stderr:?}, not an error naming `{named}`",
                output.status
            ));
        }
    }
    Ok(problems)
}

/// Produces `count` keyed messages at `rate` per second. For the dead-letter scenarios every
/// 97th message is poison (it always fails); for bad input every 50th is bad in one of several
/// ways. Returns what the broker acknowledged.
async fn produce(
    config: Config,
    topic: String,
    count: usize,
    rate: u64,
    fault: Fault,
) -> anyhow::Result<Vec<Produced>> {
    let bad_input = fault == Fault::BadInput;
    let producer = Producer::new(&config)?;
    let started = Instant::now();
    let mut seqs: HashMap<u32, u64> = HashMap::new();
    let mut pending = Vec::new();
    for index in 0..count {
        let due = started + Duration::from_micros(index as u64 * 1_000_000 / rate.max(1));
        tokio::time::sleep_until(due.into()).await;
        let key = (index as u32 * 7919) % KEYS;
        let seq = {
            let seq = seqs.entry(key).or_insert(0);
            *seq += 1;
            *seq - 1
        };
        let poisoned =
            matches!(fault, Fault::BadInput | Fault::DeadLetterOutage) && index % 97 == 13;
        let keyed = |record: Record| record.key(format!("k{key}"));
        let good = || {
            Record::json(
                &topic,
                &serde_json::json!({"key": key, "seq": seq, "poison": poisoned}),
            )
            .map(keyed)
        };
        let (record, doomed) = match (bad_input && index % 50 == 7).then_some((index / 50) % 4) {
            Some(0) => (keyed(Record::new(&topic, "{not json")), true),
            Some(1) => (keyed(Record::new(&topic, "")), true),
            // Near 1 MB, and without a key.
            Some(2) => (
                Record::json(
                    &topic,
                    &serde_json::json!({"key": key, "seq": seq, "pad": "x".repeat(BIG_PAYLOAD)}),
                )?,
                false,
            ),
            Some(_) => (
                good()?
                    .header("unexpected", "header")
                    .header("also", vec![0u8, 159, 146, 150]),
                poisoned,
            ),
            None => (good()?, poisoned),
        };
        pending.push((key, seq, doomed, producer.produce_async(record).await?));
    }
    let mut produced = Vec::with_capacity(pending.len());
    for (key, seq, doomed, delivery) in pending {
        let delivery = delivery.await?;
        produced.push(Produced {
            partition: delivery.partition,
            offset: delivery.offset,
            key,
            seq,
            doomed,
        });
    }
    Ok(produced)
}

/// How many members `group` still lists, if any, two seconds after its last member stopped.
async fn lingering_members(admin: &Admin, group: &str) -> Option<usize> {
    let started = Instant::now();
    loop {
        let members = admin.active_members(group).await.unwrap_or(0);
        if members == 0 {
            return None;
        }
        if started.elapsed() > Duration::from_secs(2) {
            return Some(members);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn ends(produced: &[Produced]) -> Vec<i64> {
    (0..PARTITIONS)
        .map(|p| {
            produced
                .iter()
                .filter(|m| m.partition == p)
                .map(|m| m.offset + 1)
                .max()
                .unwrap_or(0)
        })
        .collect()
}

/// The output topic as a `read_committed` reader sees it, partition by partition.
async fn outputs(admin: &Admin, output: &str) -> anyhow::Result<Vec<Output>> {
    #[derive(serde::Deserialize)]
    struct Copy {
        partition: i32,
        offset: i64,
    }
    let mut outputs = Vec::new();
    for partition in 0..PARTITIONS {
        let (_, end) = admin.watermarks(output, partition).await?;
        for message in admin.read_topic(output, partition, 0, end as usize).await? {
            let copy: Copy = message.payload()?;
            outputs.push(Output {
                partition,
                source_partition: copy.partition,
                source_offset: copy.offset,
            });
        }
    }
    Ok(outputs)
}

/// `(partition, offset)` of the messages in the dead-letter topic, from their headers.
async fn dead_letters(admin: &Admin, dlq: &str) -> anyhow::Result<HashSet<(i32, i64)>> {
    let mut letters = HashSet::new();
    for partition in 0..PARTITIONS {
        let (_, end) = admin.watermarks(dlq, partition).await?;
        for message in admin.read_topic(dlq, partition, 0, end as usize).await? {
            let field = |name| {
                message
                    .headers()
                    .get_str(name)
                    .and_then(|v| v.parse::<i64>().ok())
            };
            if let (Some(p), Some(o)) = (field(headers::PARTITION), field(headers::OFFSET)) {
                letters.insert((p as i32, o));
            }
        }
    }
    Ok(letters)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    // The workspace, for scripts/kafka; the binary is built from it.
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    // Quick: 2 s of production per run; full: 7.5 s, so more faults land mid-stream.
    let (messages, rate) = if cli.quick {
        (1_200, 600)
    } else {
        (3_000, 400)
    };
    let selected: Vec<&Scenario> = SCENARIOS
        .iter()
        .filter(|s| cli.scenarios.is_empty() || cli.scenarios.iter().any(|n| n == s.name))
        .collect();
    if selected.is_empty() {
        bail!(
            "no such scenario; known: {}",
            SCENARIOS
                .iter()
                .map(|s| s.name)
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let first_seed = cli.seed.unwrap_or_else(|| now_micros() % 1_000_000);
    let runs = cli.runs.unwrap_or(if cli.matrix { 20 } else { 1 });
    let write = cli
        .write
        .clone()
        .or_else(|| cli.matrix.then(|| root.join("target/chaos/matrix.md")));
    let mut rows = Vec::new();
    for scenario in selected {
        let on_cluster = scenario.fault == Fault::ClusterBrokerKill;
        let bootstrap = if on_cluster {
            kafka(&root, &["cluster", "up"]).context("starting the 3-node cluster")?;
            CLUSTER
        } else {
            cli.bootstrap.as_str()
        };
        let config = Config::default().kafka("bootstrap.servers", bootstrap);
        let mut row = Row::new(scenario.name);
        for run in 0..runs {
            let seed = first_seed + run as u64;
            let started = Instant::now();
            let execution = Run {
                scenario,
                seed,
                messages,
                rate: if cli.quick && scenario.fault.needs_a_long_stream() {
                    rate / 3
                } else {
                    rate
                },
                config: config.clone(),
                root: root.clone(),
                subject_log: cli.subject_log.clone(),
            };
            let (report, dir) = execution
                .execute(bootstrap)
                .await
                .with_context(|| format!("{} seed {seed}", scenario.name))?;
            println!(
                "{:<20} seed {seed:>7}: produced {:>5}, handled {:>5}, duplicates {:>4}, violations {} ({:.0} s)",
                scenario.name,
                report.produced,
                report.handled,
                report.duplicates,
                report.violations.len(),
                started.elapsed().as_secs_f64()
            );
            for violation in report.violations.iter().take(10) {
                println!("    {violation}");
            }
            for note in &report.notes {
                println!("    note: {note}");
            }
            row.add(seed, started.elapsed().as_secs_f64(), &report);
            if report.violations.is_empty() && report.notes.is_empty() && !cli.keep_logs {
                let _ = std::fs::remove_dir_all(&dir);
            } else {
                println!("    logs kept in {}", dir.display());
            }
        }
        if on_cluster {
            // Three brokers hold 3 GiB of heap between them: not left running.
            kafka(&root, &["cluster", "down"])?;
        }
        rows.push(row);
    }
    let summary = matrix::table(&rows);
    println!("\n{summary}");
    if let Some(path) = &write {
        if let Some(folder) = path.parent() {
            std::fs::create_dir_all(folder)?;
        }
        std::fs::write(path, &summary).with_context(|| format!("writing {}", path.display()))?;
        let chart = path.with_extension("svg");
        std::fs::write(&chart, matrix::chart(&rows)?)
            .with_context(|| format!("writing {}", chart.display()))?;
        println!("table in {}, chart in {}", path.display(), chart.display());
    }
    if rows.iter().any(|row| row.violations > 0) {
        bail!("violations found");
    }
    Ok(())
}
