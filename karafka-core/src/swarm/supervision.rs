//! The supervisor's decisions, apart from processes and clocks: which node to start, to signal
//! or to kill, and the swarm's exit code. Pure: the caller feeds it what happened (a report, an
//! exit, a signal, the time) and carries out the [`Action`]s it returns.

use std::time::{Duration, Instant};

/// A node's restart delay doubles at most this many times (while it keeps dying before its first
/// healthy report), so a node that cannot start is retried at least every 32 ×
/// `node_restart_timeout`.
const MAX_DOUBLINGS: u32 = 5;

/// The exit code of a node the supervisor killed: a forced end, as a server's shutdown that
/// timed out.
pub(crate) const EXIT_FORCED: u8 = 2;

/// The timings the supervisor holds nodes to.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timing {
    /// A node with no healthy report for longer is killed and replaced.
    pub(crate) report_timeout: Duration,
    /// The first wait before a dead node starts again.
    pub(crate) restart_delay: Duration,
    /// How long after the first stop signal the nodes still running are killed.
    pub(crate) stop_deadline: Duration,
}

/// A signal the supervisor received and hands on to its nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Forwarded {
    /// SIGINT: stop.
    Interrupt,
    /// SIGTERM: stop.
    Terminate,
    /// SIGTSTP: quiet.
    Quiet,
    /// SIGTTIN: log the running jobs.
    Report,
}

/// How a node's process ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exit {
    /// It exited with this code.
    Code(i32),
    /// A signal ended it.
    Signal(i32),
}

/// Why the supervisor kills a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KillReason {
    /// No healthy report within `node_report_timeout`.
    Silent(Duration),
    /// Still running at the stop deadline.
    Deadline,
}

/// What the supervisor does now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    /// Start node `node` (a new process; its reports carry `generation`).
    Start { node: usize, generation: u64 },
    /// Send `signal` to node `node`.
    Signal { node: usize, signal: Forwarded },
    /// SIGKILL node `node`.
    Kill { node: usize, reason: KillReason },
    /// Node `node` died and starts again after `delay`.
    Restart { node: usize, delay: Duration },
}

#[derive(Debug, Clone, Copy)]
enum State {
    /// Its process runs.
    Up {
        since: Instant,
        /// It reported at all: its signal handlers are in place, so it may be signalled.
        reported: bool,
        last_healthy: Option<Instant>,
        stops_sent: u8,
        quiet_sent: bool,
        killed: Option<KillReason>,
    },
    /// Dead, waiting to start again.
    Down { restart_at: Instant },
    /// Ended while the swarm stops, with this exit code (`None`: it was down, not running).
    Done { code: Option<u8> },
}

#[derive(Debug, Clone, Copy)]
struct Node {
    state: State,
    generation: u64,
    /// Deaths in a row before a healthy report.
    early_deaths: u32,
}

/// The supervisor's view of its nodes.
#[derive(Debug)]
pub(crate) struct Supervision {
    timing: Timing,
    nodes: Vec<Node>,
    quiet: bool,
    /// Stop signals received (at most 2 count: the second makes nodes exit at once).
    stops: u8,
    /// The last stop signal received, the one handed on.
    stop_signal: Forwarded,
    deadline: Option<Instant>,
}

impl Supervision {
    /// `nodes` nodes, started at `now`; returns the supervision and the actions that start them.
    pub(crate) fn start(nodes: usize, timing: Timing, now: Instant) -> (Self, Vec<Action>) {
        let up = Node {
            state: up(now),
            generation: 1,
            early_deaths: 0,
        };
        let supervision = Self {
            timing,
            nodes: vec![up; nodes],
            quiet: false,
            stops: 0,
            stop_signal: Forwarded::Terminate,
            deadline: None,
        };
        let actions = (0..nodes)
            .map(|node| Action::Start {
                node,
                generation: 1,
            })
            .collect();
        (supervision, actions)
    }

    /// Whether a stop signal arrived.
    pub(crate) fn stopping(&self) -> bool {
        self.deadline.is_some()
    }

    /// The supervisor received `signal` at `now`.
    pub(crate) fn signal(&mut self, signal: Forwarded, now: Instant) -> Vec<Action> {
        match signal {
            Forwarded::Quiet => self.quiet = true,
            Forwarded::Report => {
                return self
                    .reachable()
                    .map(|node| Action::Signal { node, signal })
                    .collect();
            }
            Forwarded::Interrupt | Forwarded::Terminate => {
                self.stops = (self.stops + 1).min(2);
                self.stop_signal = signal;
                if self.deadline.is_none() {
                    self.deadline = Some(now + self.timing.stop_deadline);
                    for node in &mut self.nodes {
                        if let State::Down { .. } = node.state {
                            node.state = State::Done { code: None };
                        }
                    }
                }
            }
        }
        (0..self.nodes.len())
            .flat_map(|node| self.catch_up(node))
            .collect()
    }

    /// Node `node` of `generation` reported at `now`, healthy or not.
    pub(crate) fn reported(
        &mut self,
        node: usize,
        generation: u64,
        healthy: bool,
        now: Instant,
    ) -> Vec<Action> {
        let Some(current) = self.nodes.get_mut(node) else {
            return Vec::new();
        };
        if current.generation != generation {
            return Vec::new();
        }
        if let State::Up {
            reported,
            last_healthy,
            ..
        } = &mut current.state
        {
            *reported = true;
            if healthy {
                *last_healthy = Some(now);
                current.early_deaths = 0;
            }
        }
        self.catch_up(node)
    }

    /// Node `node` of `generation` ended with `exit` at `now`.
    pub(crate) fn exited(
        &mut self,
        node: usize,
        generation: u64,
        exit: Exit,
        now: Instant,
    ) -> Vec<Action> {
        let stopping = self.stopping();
        let restart_delay = self.timing.restart_delay;
        let Some(current) = self.nodes.get_mut(node) else {
            return Vec::new();
        };
        let State::Up {
            last_healthy,
            killed,
            ..
        } = current.state
        else {
            return Vec::new();
        };
        if current.generation != generation {
            return Vec::new();
        }
        if stopping {
            current.state = State::Done {
                code: Some(exit_code(exit, killed)),
            };
            return Vec::new();
        }
        if last_healthy.is_none() {
            current.early_deaths = current.early_deaths.saturating_add(1);
        }
        let doublings = current.early_deaths.saturating_sub(1).min(MAX_DOUBLINGS);
        let delay = restart_delay.saturating_mul(1 << doublings);
        current.state = State::Down {
            restart_at: now + delay,
        };
        vec![Action::Restart { node, delay }]
    }

    /// The time is `now`: kills silent nodes, starts dead ones that waited enough, and kills
    /// every node still running at the stop deadline.
    pub(crate) fn tick(&mut self, now: Instant) -> Vec<Action> {
        let deadline_passed = self.deadline.is_some_and(|deadline| now >= deadline);
        let stopping = self.stopping();
        let report_timeout = self.timing.report_timeout;
        let mut actions = Vec::new();
        for (index, node) in self.nodes.iter_mut().enumerate() {
            match &mut node.state {
                State::Up {
                    since,
                    last_healthy,
                    killed,
                    ..
                } => {
                    let silent = now.saturating_duration_since(last_healthy.unwrap_or(*since));
                    let reason = if deadline_passed {
                        Some(KillReason::Deadline)
                    } else if !stopping && silent > report_timeout {
                        Some(KillReason::Silent(silent))
                    } else {
                        None
                    };
                    if let Some(reason) = reason.filter(|_| killed.is_none()) {
                        *killed = Some(reason);
                        actions.push(Action::Kill {
                            node: index,
                            reason,
                        });
                    }
                }
                State::Down { restart_at } if now >= *restart_at => {
                    node.generation += 1;
                    node.state = up(now);
                    actions.push(Action::Start {
                        node: index,
                        generation: node.generation,
                    });
                }
                State::Down { .. } | State::Done { .. } => {}
            }
        }
        actions
    }

    /// The swarm's exit code once it stopped and every node ended: the highest of the nodes'
    /// (see [`exit_code`]); `None` while a node runs or no stop signal arrived.
    pub(crate) fn finished(&self) -> Option<u8> {
        if !self.stopping() {
            return None;
        }
        self.nodes
            .iter()
            .try_fold(0, |worst, node| match node.state {
                State::Done { code } => Some(worst.max(code.unwrap_or(0))),
                State::Up { .. } | State::Down { .. } => None,
            })
    }

    /// Nodes that reported and may be signalled now.
    fn reachable(&self) -> impl Iterator<Item = usize> + '_ {
        self.nodes
            .iter()
            .enumerate()
            .filter(|(_, node)| {
                matches!(
                    node.state,
                    State::Up {
                        reported: true,
                        killed: None,
                        ..
                    }
                )
            })
            .map(|(index, _)| index)
    }

    /// The signals node `node` missed: quiet and stops received before it could take them.
    fn catch_up(&mut self, node: usize) -> Vec<Action> {
        let (quiet, stops, stop_signal) = (self.quiet, self.stops, self.stop_signal);
        let mut actions = Vec::new();
        if let Some(Node {
            state:
                State::Up {
                    reported: true,
                    killed: None,
                    stops_sent,
                    quiet_sent,
                    ..
                },
            ..
        }) = self.nodes.get_mut(node)
        {
            if quiet && !*quiet_sent && *stops_sent == 0 {
                *quiet_sent = true;
                actions.push(Action::Signal {
                    node,
                    signal: Forwarded::Quiet,
                });
            }
            while *stops_sent < stops {
                *stops_sent += 1;
                actions.push(Action::Signal {
                    node,
                    signal: stop_signal,
                });
            }
        }
        actions
    }
}

fn up(now: Instant) -> State {
    State::Up {
        since: now,
        reported: false,
        last_healthy: None,
        stops_sent: 0,
        quiet_sent: false,
        killed: None,
    }
}

/// A node's exit code as the swarm counts it: its own code; 2 when the supervisor killed it (at
/// the stop deadline, or silent: a forced end, as of a shutdown that timed out); 128 + the
/// signal when another signal ended it, as shells report it.
pub(crate) fn exit_code(exit: Exit, killed: Option<KillReason>) -> u8 {
    if killed.is_some() {
        return EXIT_FORCED;
    }
    match exit {
        // Exit codes are 0..=255 on Unix; the mask only keeps the type honest.
        Exit::Code(code) => (code & 0xff) as u8,
        Exit::Signal(signal) => (128 + (signal & 0x7f)) as u8,
    }
}

#[cfg(test)]
mod tests;
