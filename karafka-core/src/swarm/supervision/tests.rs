use proptest::prelude::*;

use super::*;

const TIMING: Timing = Timing {
    report_timeout: Duration::from_millis(1_000),
    restart_delay: Duration::from_millis(100),
    stop_deadline: Duration::from_millis(5_000),
};

fn ms(millis: u64) -> Duration {
    Duration::from_millis(millis)
}

#[test]
fn a_node_that_reports_in_time_is_never_killed_and_a_silent_one_is_killed_once() {
    let t0 = Instant::now();
    let (mut swarm, started) = Supervision::start(2, TIMING, t0);
    assert_eq!(started.len(), 2);
    let mut kills = Vec::new();
    for step in 1..=6 {
        let now = t0 + ms(900 * step);
        // Node 0 reports every 900 ms; node 1 never does.
        swarm.reported(0, 1, true, now);
        kills.extend(swarm.tick(now));
    }
    assert_eq!(
        kills,
        vec![Action::Kill {
            node: 1,
            reason: KillReason::Silent(ms(1_800))
        }]
    );
}

#[test]
fn a_dead_node_restarts_after_the_delay_doubling_while_it_dies_early() {
    let t0 = Instant::now();
    let (mut swarm, _) = Supervision::start(1, TIMING, t0);
    let mut now = t0;
    let mut delays = Vec::new();
    for generation in 1..=8 {
        let actions = swarm.exited(0, generation, Exit::Code(1), now);
        let [Action::Restart { delay, .. }] = actions[..] else {
            panic!("{actions:?}");
        };
        delays.push(delay.as_millis());
        assert!(swarm.tick(now + delay - ms(1)).is_empty());
        now += delay;
        assert_eq!(
            swarm.tick(now),
            vec![Action::Start {
                node: 0,
                generation: generation + 1
            }]
        );
    }
    assert_eq!(delays, [100, 200, 400, 800, 1_600, 3_200, 3_200, 3_200]);
    // A healthy report resets it.
    swarm.reported(0, 9, true, now);
    let actions = swarm.exited(0, 9, Exit::Signal(9), now);
    assert_eq!(
        actions,
        vec![Action::Restart {
            node: 0,
            delay: ms(100)
        }]
    );
}

#[test]
fn signals_wait_for_a_nodes_first_report() {
    let t0 = Instant::now();
    let (mut swarm, _) = Supervision::start(2, TIMING, t0);
    swarm.reported(0, 1, true, t0);
    assert_eq!(
        swarm.signal(Forwarded::Quiet, t0),
        vec![Action::Signal {
            node: 0,
            signal: Forwarded::Quiet
        }]
    );
    assert_eq!(
        swarm.signal(Forwarded::Terminate, t0),
        vec![Action::Signal {
            node: 0,
            signal: Forwarded::Terminate
        }]
    );
    // Node 1 reports late: it gets what it missed, the quiet only if it was not stopped yet.
    assert_eq!(
        swarm.reported(1, 1, false, t0 + ms(10)),
        vec![
            Action::Signal {
                node: 1,
                signal: Forwarded::Quiet
            },
            Action::Signal {
                node: 1,
                signal: Forwarded::Terminate
            }
        ]
    );
    assert!(swarm.reported(1, 1, true, t0 + ms(20)).is_empty());
    assert_eq!(swarm.finished(), None);
    swarm.exited(0, 1, Exit::Code(0), t0 + ms(30));
    swarm.exited(1, 1, Exit::Code(2), t0 + ms(40));
    assert_eq!(swarm.finished(), Some(2));
}

#[test]
fn nodes_running_at_the_deadline_are_killed_and_count_as_forced() {
    let t0 = Instant::now();
    let (mut swarm, _) = Supervision::start(2, TIMING, t0);
    swarm.signal(Forwarded::Interrupt, t0);
    // Silence does not matter while stopping; the deadline does.
    assert!(swarm.tick(t0 + ms(4_999)).is_empty());
    let kills = swarm.tick(t0 + ms(5_000));
    assert_eq!(kills.len(), 2, "{kills:?}");
    assert!(swarm.tick(t0 + ms(6_000)).is_empty());
    swarm.exited(0, 1, Exit::Signal(9), t0 + ms(5_001));
    swarm.exited(1, 1, Exit::Code(0), t0 + ms(5_001));
    assert_eq!(swarm.finished(), Some(EXIT_FORCED));
}

#[test]
fn exit_codes_as_the_swarm_counts_them() {
    assert_eq!(exit_code(Exit::Code(0), None), 0);
    assert_eq!(exit_code(Exit::Code(1), None), 1);
    assert_eq!(exit_code(Exit::Signal(9), None), 137);
    assert_eq!(exit_code(Exit::Signal(9), Some(KillReason::Deadline)), 2);
    assert_eq!(exit_code(Exit::Code(0), Some(KillReason::Silent(ms(1)))), 2);
}

/// Something that happens to a swarm of 3 nodes.
#[derive(Debug, Clone)]
enum Happening {
    Report { node: usize, healthy: bool },
    Exit { node: usize, exit: Exit },
    Advance(u64),
    Signal(Forwarded),
}

fn happening() -> impl Strategy<Value = Happening> {
    prop_oneof![
        4 => (0..3usize, any::<bool>()).prop_map(|(node, healthy)| Happening::Report { node, healthy }),
        1 => (0..3usize, prop_oneof![(0..4i32).prop_map(Exit::Code), Just(Exit::Signal(9))])
            .prop_map(|(node, exit)| Happening::Exit { node, exit }),
        4 => (0..1_500u64).prop_map(Happening::Advance),
        1 => prop_oneof![
            Just(Forwarded::Interrupt),
            Just(Forwarded::Terminate),
            Just(Forwarded::Quiet),
            Just(Forwarded::Report),
        ]
        .prop_map(Happening::Signal),
    ]
}

/// The processes as the test sees them, checking every action against what it knows.
struct World {
    now: Instant,
    /// Per node: its running generation, if a process runs.
    running: Vec<Option<u64>>,
    reported: Vec<bool>,
    /// When it started or last reported healthy.
    fresh: Vec<Instant>,
    killed: Vec<bool>,
    stops_received: u8,
    stops_sent: Vec<u8>,
    stopping_since: Option<Instant>,
    codes: Vec<Option<u8>>,
}

impl World {
    fn check(&mut self, actions: Vec<Action>) -> Result<(), TestCaseError> {
        for action in actions {
            match action {
                Action::Start { node, generation } => {
                    prop_assert!(self.stopping_since.is_none(), "started while stopping");
                    prop_assert!(self.running[node].is_none(), "started twice: {node}");
                    self.running[node] = Some(generation);
                    self.reported[node] = false;
                    self.fresh[node] = self.now;
                    self.killed[node] = false;
                    self.stops_sent[node] = 0;
                }
                Action::Signal { node, signal } => {
                    prop_assert!(self.reported[node], "signalled before its first report");
                    prop_assert!(self.running[node].is_some() && !self.killed[node]);
                    if matches!(signal, Forwarded::Interrupt | Forwarded::Terminate) {
                        self.stops_sent[node] += 1;
                        prop_assert!(self.stops_sent[node] <= self.stops_received.min(2));
                    }
                }
                Action::Kill { node, reason } => {
                    prop_assert!(self.running[node].is_some() && !self.killed[node]);
                    match reason {
                        KillReason::Silent(_) => {
                            prop_assert!(self.stopping_since.is_none());
                            prop_assert!(self.now - self.fresh[node] > TIMING.report_timeout);
                        }
                        KillReason::Deadline => prop_assert!(self
                            .stopping_since
                            .is_some_and(|since| self.now - since >= TIMING.stop_deadline)),
                    }
                    self.killed[node] = true;
                }
                Action::Restart { delay, .. } => {
                    prop_assert!(delay >= TIMING.restart_delay);
                    prop_assert!(delay <= TIMING.restart_delay * 32);
                }
            }
        }
        Ok(())
    }

    fn exit(
        &mut self,
        swarm: &mut Supervision,
        node: usize,
        exit: Exit,
    ) -> Result<(), TestCaseError> {
        let Some(generation) = self.running[node].take() else {
            return Ok(());
        };
        if self.stopping_since.is_some() {
            let killed = self.killed[node].then_some(KillReason::Deadline);
            self.codes[node] = Some(exit_code(exit, killed));
        }
        let actions = swarm.exited(node, generation, exit, self.now);
        self.check(actions)
    }
}

proptest! {
    /// Whatever happens: signals reach only nodes that reported, each stop at most once per
    /// node; silent kills only after the timeout; no start while stopping; bounded restart
    /// delays; and once stopped, the swarm ends with the highest exit code of its nodes.
    #[test]
    fn the_supervisor_keeps_its_rules(happenings in prop::collection::vec(happening(), 0..80)) {
        let t0 = Instant::now();
        let (mut swarm, started) = Supervision::start(3, TIMING, t0);
        let mut world = World {
            now: t0,
            running: vec![None; 3],
            reported: vec![false; 3],
            fresh: vec![t0; 3],
            killed: vec![false; 3],
            stops_received: 0,
            stops_sent: vec![0; 3],
            stopping_since: None,
            codes: vec![None; 3],
        };
        world.check(started)?;
        for happening in happenings {
            match happening {
                Happening::Report { node, healthy } => {
                    if let Some(generation) = world.running[node].filter(|_| !world.killed[node]) {
                        world.reported[node] = true;
                        if healthy {
                            world.fresh[node] = world.now;
                        }
                        let actions = swarm.reported(node, generation, healthy, world.now);
                        world.check(actions)?;
                        // A node that reported has every stop received.
                        prop_assert_eq!(world.stops_sent[node], world.stops_received.min(2));
                    }
                }
                Happening::Exit { node, exit } => world.exit(&mut swarm, node, exit)?,
                Happening::Advance(millis) => {
                    world.now += ms(millis);
                    let actions = swarm.tick(world.now);
                    world.check(actions)?;
                    // A killed process ends.
                    for node in 0..3 {
                        if world.killed[node] && world.running[node].is_some() {
                            world.exit(&mut swarm, node, Exit::Signal(9))?;
                        }
                    }
                }
                Happening::Signal(signal) => {
                    if matches!(signal, Forwarded::Interrupt | Forwarded::Terminate) {
                        world.stops_received = world.stops_received.saturating_add(1);
                        world.stopping_since.get_or_insert(world.now);
                    }
                    let actions = swarm.signal(signal, world.now);
                    world.check(actions)?;
                }
            }
            prop_assert_eq!(swarm.stopping(), world.stopping_since.is_some());
        }
        // Stop, and let the deadline pass: every node ends, and the code is the worst.
        world.stops_received = world.stops_received.saturating_add(1);
        world.stopping_since.get_or_insert(world.now);
        let actions = swarm.signal(Forwarded::Terminate, world.now);
        world.check(actions)?;
        let Some(since) = world.stopping_since else { unreachable!() };
        world.now = world.now.max(since + TIMING.stop_deadline);
        let actions = swarm.tick(world.now);
        world.check(actions)?;
        for node in 0..3 {
            prop_assert!(world.running[node].is_none() || world.killed[node]);
            world.exit(&mut swarm, node, Exit::Signal(9))?;
        }
        let worst = world.codes.iter().map(|code| code.unwrap_or(0)).max().unwrap_or(0);
        prop_assert_eq!(swarm.finished(), Some(worst));
    }
}
