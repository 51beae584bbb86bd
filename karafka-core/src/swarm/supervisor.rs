//! The supervisor's processes: it starts the nodes, reads their reports, watches them exit,
//! hands signals on, and carries out what [`Supervision`] decides.

use std::collections::VecDeque;
use std::io::BufRead as _;
use std::os::fd::OwnedFd;
use std::os::unix::net::UnixStream;
use std::os::unix::process::{CommandExt as _, ExitStatusExt as _};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use rustix::process::{kill_process, Pid, Signal as RawSignal};
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::mpsc::{unbounded_channel, UnboundedSender};

use super::supervision::{Action, Exit, Forwarded, KillReason, Supervision, Timing};
use super::Report;
use crate::config::Config;

/// How long past `shutdown_timeout` a stopping node may take before it is killed: a server
/// closes its consumers, its plugins and its producer after the timeout, each within 5 s.
const STOP_MARGIN: Duration = Duration::from_secs(20);

/// How often the supervisor looks at its nodes (Karafka's `supervision_sleep`).
const SUPERVISION_INTERVAL: Duration = Duration::from_millis(100);

/// A report line from node `node` of `generation`.
struct Note {
    node: usize,
    generation: u64,
    report: Option<Report>,
}

/// A node's running process.
struct Process {
    child: Child,
    generation: u64,
}

/// Runs `nodes` nodes of this binary (`server` with `args`, the filters) under `config`'s swarm
/// settings until a stop signal and every node stopped; returns the worst node's exit code.
///
/// # Errors
/// When the current binary cannot be found or signals cannot be listened for.
pub(crate) async fn supervise(
    config: &Config,
    nodes: usize,
    args: Vec<String>,
) -> anyhow::Result<u8> {
    let binary = std::env::current_exe().context("finding the binary to run the nodes with")?;
    let timing = Timing {
        report_timeout: config.swarm.node_report_timeout,
        restart_delay: config.swarm.node_restart_timeout,
        stop_deadline: config.shutdown_timeout + STOP_MARGIN,
    };
    let mut signals = Signals::install()?;
    let (notes, mut received) = unbounded_channel();
    let mut swarm = Swarm {
        binary: &binary,
        args,
        notes,
        processes: (0..nodes).map(|_| None).collect(),
    };
    tracing::info!(
        "Swarm supervisor (pid {}) starting {nodes} node(s)",
        std::process::id()
    );
    let (mut supervision, start) = Supervision::start(nodes, timing, Instant::now());
    swarm.carry_out(&mut supervision, start);
    let mut ticks = tokio::time::interval(SUPERVISION_INTERVAL);
    loop {
        let actions = tokio::select! {
            signal = signals.next() => {
                tracing::info!("Swarm received {}; handing it on to the nodes", name(signal));
                supervision.signal(signal, Instant::now())
            }
            Some(note) = received.recv() => swarm.noted(&mut supervision, note),
            _ = ticks.tick() => {
                let mut actions = swarm.reap(&mut supervision);
                actions.extend(supervision.tick(Instant::now()));
                actions
            }
        };
        swarm.carry_out(&mut supervision, actions);
        if let Some(code) = supervision.finished() {
            tracing::info!("Swarm stopped: every node ended; exit code {code}");
            return Ok(code);
        }
    }
}

struct Swarm<'a> {
    binary: &'a Path,
    args: Vec<String>,
    notes: UnboundedSender<Note>,
    processes: Vec<Option<Process>>,
}

impl Swarm<'_> {
    /// Carries out `actions`, and those that follow from them (a node that cannot start is dead).
    fn carry_out(&mut self, supervision: &mut Supervision, actions: Vec<Action>) {
        let mut pending: VecDeque<Action> = actions.into();
        while let Some(action) = pending.pop_front() {
            match action {
                Action::Start { node, generation } => match self.start(node, generation) {
                    Ok(process) => {
                        tracing::info!("Swarm node {node} started (pid {})", process.child.id());
                        self.processes[node] = Some(process);
                    }
                    Err(error) => {
                        tracing::error!("Swarm node {node} could not start: {error:#}");
                        let now = Instant::now();
                        pending.extend(supervision.exited(node, generation, Exit::Code(1), now));
                    }
                },
                Action::Signal { node, signal } => {
                    if let Some(process) = &self.processes[node] {
                        send(&process.child, signal);
                    }
                }
                Action::Kill { node, reason } => {
                    if let Some(process) = &mut self.processes[node] {
                        let pid = process.child.id();
                        match reason {
                            KillReason::Silent(silent) => tracing::warn!(
                                "Swarm node {node} (pid {pid}) has not reported healthy for {} ms \
                                 (swarm.node_report_timeout); killing it",
                                silent.as_millis()
                            ),
                            KillReason::Deadline => tracing::error!(
                                "Swarm node {node} (pid {pid}) still runs past shutdown_timeout; \
                                 killing it"
                            ),
                        }
                        let _ = process.child.kill();
                    }
                }
                Action::Restart { node, delay } => {
                    tracing::info!("Swarm node {node} starts again in {} ms", delay.as_millis())
                }
            }
        }
    }

    /// Starts node `node` of `generation`: this binary's `server`, its stdin one end of a socket
    /// pair whose other end a thread reads the node's reports from.
    fn start(&self, node: usize, generation: u64) -> anyhow::Result<Process> {
        let (ours, theirs) = UnixStream::pair().context("making the node's socket")?;
        let child = Command::new(self.binary)
            .arg("server")
            .args(&self.args)
            .arg("--swarm-node")
            .arg(node.to_string())
            .stdin(Stdio::from(OwnedFd::from(theirs)))
            // Its own process group: a terminal's Ctrl-C reaches only the supervisor, which
            // hands it on once (twice would make the node exit at once).
            .process_group(0)
            .spawn()
            .with_context(|| format!("running {}", self.binary.display()))?;
        let notes = self.notes.clone();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(ours).lines() {
                let Ok(line) = line else { return };
                let report = Report::parse(&line);
                if notes
                    .send(Note {
                        node,
                        generation,
                        report,
                    })
                    .is_err()
                {
                    return;
                }
            }
        });
        Ok(Process { child, generation })
    }

    fn noted(&self, supervision: &mut Supervision, note: Note) -> Vec<Action> {
        let Note {
            node,
            generation,
            report,
        } = note;
        let healthy = match report {
            Some(Report::Healthy) => true,
            Some(Report::Failing(reasons)) => {
                tracing::warn!("Swarm node {node} is not alive: {reasons}");
                false
            }
            None => {
                tracing::warn!("Swarm node {node} sent a line that is no report");
                return Vec::new();
            }
        };
        supervision.reported(node, generation, healthy, Instant::now())
    }

    /// The nodes that exited since the last look.
    fn reap(&mut self, supervision: &mut Supervision) -> Vec<Action> {
        let mut actions = Vec::new();
        for (node, slot) in self.processes.iter_mut().enumerate() {
            let Some(process) = slot else { continue };
            let status = match process.child.try_wait() {
                Ok(Some(status)) => status,
                Ok(None) => continue,
                Err(error) => {
                    tracing::error!(%error, "Swarm node {node}: cannot learn whether it runs");
                    continue;
                }
            };
            let exit = match (status.code(), status.signal()) {
                (Some(code), _) => Exit::Code(code),
                (None, Some(signal)) => Exit::Signal(signal),
                // A process that ended has a code or a signal; count it as failed otherwise.
                (None, None) => Exit::Code(1),
            };
            let pid = process.child.id();
            if supervision.stopping() {
                tracing::info!("Swarm node {node} (pid {pid}) stopped: {status}");
            } else {
                tracing::warn!("Swarm node {node} (pid {pid}) ended: {status}");
            }
            let generation = process.generation;
            *slot = None;
            actions.extend(supervision.exited(node, generation, exit, Instant::now()));
        }
        actions
    }
}

/// Sends `signal` to `child`; a node that already ended is reaped at the next look.
fn send(child: &Child, signal: Forwarded) {
    let raw = match signal {
        Forwarded::Interrupt => RawSignal::INT,
        Forwarded::Terminate => RawSignal::TERM,
        Forwarded::Quiet => RawSignal::TSTP,
        Forwarded::Report => RawSignal::TTIN,
    };
    let pid = i32::try_from(child.id()).ok().and_then(Pid::from_raw);
    if let Some(pid) = pid {
        if let Err(error) = kill_process(pid, raw) {
            tracing::debug!(%error, "cannot signal swarm node (pid {pid:?})");
        }
    }
}

fn name(signal: Forwarded) -> &'static str {
    match signal {
        Forwarded::Interrupt => "SIGINT",
        Forwarded::Terminate => "SIGTERM",
        Forwarded::Quiet => "SIGTSTP",
        Forwarded::Report => "SIGTTIN",
    }
}

/// The signals the supervisor hands on.
struct Signals {
    streams: Vec<(tokio::signal::unix::Signal, Forwarded)>,
}

impl Signals {
    fn install() -> anyhow::Result<Self> {
        let kinds = [
            (SignalKind::interrupt(), Forwarded::Interrupt),
            (SignalKind::terminate(), Forwarded::Terminate),
            (SignalKind::from_raw(libc::SIGTSTP), Forwarded::Quiet),
            (SignalKind::from_raw(libc::SIGTTIN), Forwarded::Report),
        ];
        let streams = kinds
            .into_iter()
            .map(|(kind, forwarded)| {
                signal(kind)
                    .map(|stream| (stream, forwarded))
                    .with_context(|| format!("listening for {}", name(forwarded)))
            })
            .collect::<anyhow::Result<_>>()?;
        Ok(Self { streams })
    }

    async fn next(&mut self) -> Forwarded {
        let arrivals = self.streams.iter_mut().map(|(stream, forwarded)| {
            let forwarded = *forwarded;
            Box::pin(async move {
                // `None`: no more signals will come (the runtime shuts down).
                if stream.recv().await.is_none() {
                    std::future::pending::<()>().await;
                }
                forwarded
            })
        });
        futures_util::future::select_all(arrivals).await.0
    }
}
