//! The subject processes of a run: started, signalled, frozen and stopped; and what they
//! logged so far.

use std::collections::HashSet;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use karafka_reliability::history::{History, Pause};

use crate::scenarios::{Freeze, SESSION_TIMEOUT, SWARM_NODES};
use crate::timing::{now_micros, Dice};

/// The subject processes of a run.
pub(crate) struct Subjects {
    pub(crate) binary: PathBuf,
    /// The command line: `server`, or `swarm --nodes 3`.
    pub(crate) args: Vec<String>,
    /// How many run when no fault is being injected.
    pub(crate) target: usize,
    pub(crate) dir: PathBuf,
    pub(crate) env: Vec<(String, String)>,
    pub(crate) running: Vec<Child>,
    pub(crate) started: usize,
    /// Processes SIGKILLed.
    pub(crate) killed: HashSet<u32>,
    /// Subjects frozen and woken, and when.
    pub(crate) paused: Vec<Pause>,
    /// Every subject process started.
    pub(crate) all: HashSet<u32>,
    /// Broken promises seen outside the logs: bad exits, unclear errors.
    pub(crate) problems: Vec<String>,
}

impl Subjects {
    /// Starts one more subject, its log and stderr in the run's folder.
    pub(crate) fn spawn(&mut self) -> anyhow::Result<()> {
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
    pub(crate) fn kill(&mut self, index: usize) {
        let mut child = self.running.remove(index);
        signal(child.id(), "KILL");
        let _ = child.wait();
        self.killed.insert(child.id());
    }

    /// Freezes a running subject that holds partitions and handled a message in the last half
    /// second, by its log, picked by `pick`, and wakes it after `freeze`: it freezes with
    /// messages fetched, handled or stored but not committed. A wait that ends without what it
    /// waited for is noted.
    pub(crate) async fn pause(&mut self, freeze: Freeze, pick: u64) -> anyhow::Result<()> {
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
    pub(crate) async fn frozen(
        &mut self,
        freeze: Freeze,
        pid: u32,
        stopped: u64,
    ) -> anyhow::Result<()> {
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
    pub(crate) fn kill_node(&mut self, pick: u64) {
        let nodes: Vec<u32> = self.running.iter().flat_map(|s| nodes_of(s.id())).collect();
        if nodes.is_empty() {
            return;
        }
        let node = nodes[(pick % nodes.len() as u64) as usize];
        signal(node, "KILL");
        self.killed.insert(node);
    }

    /// Waits up to 10 s until every swarm runs all its nodes again; notes one that does not.
    pub(crate) async fn swarms_whole(&mut self) {
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
    pub(crate) async fn terminate(&mut self, index: usize) {
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

    /// One step of a rebalance storm among `members` to `members + 2` subjects: one of the
    /// extra subjects leaves, or another joins, as `dice` says.
    pub(crate) async fn storm(&mut self, dice: &mut Dice, members: usize) -> anyhow::Result<()> {
        let running = self.running.len();
        if running > members && dice.next().is_multiple_of(2) {
            let index = members + (dice.next() % (running - members) as u64) as usize;
            self.terminate(index).await;
        } else if running < members + 2 {
            self.spawn()?;
        }
        Ok(())
    }

    /// SIGTERMs every running subject, one after another.
    pub(crate) async fn terminate_all(&mut self) {
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
pub(crate) fn signal(pid: u32, signal: &str) {
    let _ = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(pid.to_string())
        .status();
}

/// What the subjects logged in `dir` so far; a line still being written is left for later.
pub(crate) fn logged(dir: &std::path::Path) -> anyhow::Result<History> {
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
pub(crate) fn nodes_of(pid: u32) -> Vec<u32> {
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
