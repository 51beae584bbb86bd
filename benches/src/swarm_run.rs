//! The swarm scenario's runs: the `swarm-app` binary as one `server` process or as a swarm of
//! nodes, on one backlog; handling starts once every process is in the group, and the figures
//! are the processes' own tallies.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use karafka::admin::Admin;
use serde::Deserialize;

use crate::spec::{now_micros, Outcome};

/// How long the processes may take to join the group.
const JOIN_LIMIT: Duration = Duration::from_secs(60);
/// How long they may take to commit the whole backlog once released.
const DRAIN_LIMIT: Duration = Duration::from_secs(300);
/// How long the processes may take to stop after SIGTERM.
const STOP_LIMIT: Duration = Duration::from_secs(30);

/// What one process of a run wrote when its server stopped.
#[derive(Deserialize)]
struct Tally {
    messages: u64,
    first_us: u64,
    last_us: u64,
    peak_rss_kb: u64,
}

/// Where a run keeps its files; removed with it.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The processes of a run; SIGKILLed if the run ends before they stopped.
struct Processes(Option<Child>);

impl Drop for Processes {
    fn drop(&mut self) {
        if let Some(child) = &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Drains `messages` (100 B each) of `topic` with `nodes` swarm nodes, or one `server` process
/// when `None`: from the first message handled to the last, over every process.
pub(crate) async fn run(
    bootstrap: &str,
    topic: &str,
    messages: u64,
    nodes: Option<usize>,
) -> anyhow::Result<Outcome> {
    let group = format!("bench-swarm-{}", now_micros());
    let scratch = Scratch(std::env::temp_dir().join(format!("karafka-{group}")));
    std::fs::create_dir_all(&scratch.0)?;
    let go = scratch.0.join("go");
    let admin = Admin::new(&karafka::Config::default().kafka("bootstrap.servers", bootstrap))?;
    eprintln!(
        "  measuring swarm-app {} on {topic} ({messages} messages)",
        nodes.map_or_else(|| "server".to_owned(), |n| format!("swarm of {n}"))
    );
    let mut processes = Processes(Some(start(
        bootstrap, topic, &group, &go, &scratch.0, nodes,
    )?));
    let members = nodes.unwrap_or(1);
    wait_for("every process to join the group", JOIN_LIMIT, || async {
        let groups = admin.consumer_groups().await?;
        Ok(groups
            .iter()
            .any(|g| g.name == group && g.state == "Stable" && g.members == members))
    })
    .await?;
    std::fs::write(&go, b"")?;
    wait_for("the backlog to be committed", DRAIN_LIMIT, || async {
        let lag = admin.lag(&group, topic).await?;
        Ok(!lag.is_empty() && lag.iter().all(|partition| partition.lag == 0))
    })
    .await?;
    let child = processes.0.take().context("the processes are running")?;
    stop(child)?;
    outcome(&scratch.0, messages)
}

fn start(
    bootstrap: &str,
    topic: &str,
    group: &str,
    go: &Path,
    tallies: &Path,
    nodes: Option<usize>,
) -> anyhow::Result<Child> {
    let binary = std::env::current_exe()?.with_file_name("swarm-app");
    let mut command = Command::new(&binary);
    match nodes {
        Some(nodes) => command.args(["swarm", "--nodes", &nodes.to_string()]),
        None => command.arg("server"),
    };
    command
        .env("BENCH_TOPIC", topic)
        .env("BENCH_GO", go)
        .env("BENCH_TALLY_DIR", tallies)
        .env("KARAFKA_KAFKA__BOOTSTRAP_SERVERS", bootstrap)
        .env("KARAFKA_GROUP_ID", group)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("running {}", binary.display()))
}

/// SIGTERM, then waits for the exit (a swarm's supervisor exits after its nodes).
fn stop(mut child: Child) -> anyhow::Result<()> {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()?;
    if !status.success() {
        bail!("kill -TERM {} failed", child.id());
    }
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait()? {
            if !status.success() {
                bail!("swarm-app exited with {status}");
            }
            return Ok(());
        }
        if started.elapsed() > STOP_LIMIT {
            let _ = child.kill();
            bail!(
                "swarm-app did not stop within {} s of SIGTERM",
                STOP_LIMIT.as_secs()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Waits until `done` says so, polling every 100 ms; an error after `limit`.
async fn wait_for<F, Fut>(what: &str, limit: Duration, done: F) -> anyhow::Result<()>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<bool>>,
{
    let started = Instant::now();
    while !done().await.unwrap_or(false) {
        if started.elapsed() > limit {
            bail!("waited {} s for {what}", limit.as_secs());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(())
}

/// The run's figures from the tallies in `dir`: every message, from the first handled to the
/// last, and the processes' peak memory added up.
fn outcome(dir: &Path, expected: u64) -> anyhow::Result<Outcome> {
    let mut tallies = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path
            .extension()
            .is_some_and(|extension| extension == "json")
        {
            tallies.push(serde_json::from_str::<Tally>(&std::fs::read_to_string(
                &path,
            )?)?);
        }
    }
    let messages: u64 = tallies.iter().map(|tally| tally.messages).sum();
    // Each message once: released only once every process was in the group, no rebalance may
    // hand a message to a second process.
    if messages != expected {
        bail!("the processes handled {messages} messages of {expected}");
    }
    let first = tallies
        .iter()
        .map(|tally| tally.first_us)
        .min()
        .unwrap_or(0);
    let last = tallies.iter().map(|tally| tally.last_us).max().unwrap_or(0);
    Ok(Outcome {
        messages,
        bytes: messages * 100,
        seconds: last.saturating_sub(first) as f64 / 1e6,
        peak_rss_kb: tallies.iter().map(|tally| tally.peak_rss_kb).sum(),
        latency_us: None,
        ..Outcome::default()
    })
}
