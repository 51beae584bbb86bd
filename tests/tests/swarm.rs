//! `swarm`: a supervisor process running the probe app's server in node processes. The nodes
//! consume together; a SIGKILLed node and a SIGSTOPped (silent) one are replaced; SIGTSTP and
//! SIGTERM reach every node; the swarm exits with the worst node's code; nodes stop when their
//! supervisor is gone.

use std::time::{Duration, Instant};

use karafka_integration_tests::*;

const PROBE: &str = env!("CARGO_BIN_EXE_probe");

/// Reports every 200 ms, silent after 2 s, restarted after 200 ms; a killed member's partitions
/// move on within 6 s.
const SWARM_ENV: &[(&str, &str)] = &[
    ("KARAFKA_SWARM__LIVENESS_INTERVAL", "200"),
    ("KARAFKA_SWARM__NODE_REPORT_TIMEOUT", "2000"),
    ("KARAFKA_SWARM__NODE_RESTART_TIMEOUT", "200"),
    ("KARAFKA_KAFKA__SESSION_TIMEOUT_MS", "6000"),
    ("KARAFKA_KAFKA__HEARTBEAT_INTERVAL_MS", "1000"),
];

/// A swarm of `nodes` probe nodes on a new topic of `partitions` partitions, with `env` on top
/// of [`SWARM_ENV`]; once every node runs.
async fn swarm(
    name: &str,
    nodes: usize,
    partitions: i32,
    env: &[(&str, &str)],
) -> (Probe, String, String) {
    let (topic, group) = topic_and_group(name, partitions).await;
    let env: Vec<(&str, &str)> = SWARM_ENV.iter().chain(env).copied().collect();
    let count = nodes.to_string();
    let probe = Probe::command(PROBE, &["swarm", "--nodes", &count], &topic, &group, &env);
    let supervisor = probe.id();
    wait_for(Duration::from_secs(20), "every node to run", || {
        child_pids(supervisor).len() == nodes
    })
    .await;
    (probe, topic, group)
}

/// Waits until the group has `members` members, stable.
async fn members(group: &str, members: usize) {
    wait_for(
        Duration::from_secs(60),
        &format!("{members} stable members in {group}"),
        || stable_group_members(group).is_some_and(|found| found.len() == members),
    )
    .await;
}

/// Produces `count` more keyed messages and waits until the probe handled every message so far.
async fn consumed(probe: &Probe, topic: &str, count: usize) {
    let before = probe.handled().len();
    produce_keyed(topic, count, 12).await;
    probe
        .wait_handled(before + count, Duration::from_secs(60))
        .await;
}

/// Waits until node `gone` no longer runs and another took its place.
async fn replaced(probe: &Probe, gone: u32, nodes: usize, timeout: Duration) -> Vec<u32> {
    let supervisor = probe.id();
    let mut now = Vec::new();
    wait_for(timeout, &format!("node {gone} to be replaced"), || {
        now = child_pids(supervisor);
        !running(gone) && now.len() == nodes
    })
    .await;
    now
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_consume_together_quiet_and_stop_on_the_supervisors_signals() {
    let (mut probe, topic, group) = swarm("swarm-run", 3, 6, &[]).await;
    let nodes = child_pids(probe.id());
    members(&group, 3).await;
    consumed(&probe, &topic, 300).await;
    let mut offsets = probe.handled();
    offsets.sort_unstable();
    offsets.dedup();
    assert_eq!(offsets.len(), 300, "each message once: {offsets:?}");

    probe.signal("TSTP");
    probe
        .wait_log("Reached quiet mode", Duration::from_secs(20))
        .await;
    let started = Instant::now();
    probe.signal("TERM");
    let (code, stderr) = probe.wait(Duration::from_secs(40)).await;
    assert_eq!(code, Some(0), "{stderr}");
    assert!(started.elapsed() < Duration::from_secs(20), "{stderr}");
    assert!(nodes.iter().all(|node| !running(*node)), "{stderr}");
    // Each node took each signal once, from the supervisor.
    for signal in ["SIGTSTP", "SIGTERM"] {
        let taken = stderr.matches(&format!("Received {signal}")).count();
        assert_eq!(taken, 3, "{signal}: {stderr}");
    }
    assert!(
        stderr.contains("Swarm stopped: every node ended; exit code 0"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_node_is_replaced_and_its_partitions_consumed() {
    let (mut probe, topic, group) = swarm("swarm-kill", 2, 4, &[]).await;
    members(&group, 2).await;
    consumed(&probe, &topic, 100).await;
    let nodes = child_pids(probe.id());
    send_signal(nodes[0], "KILL");
    let now = replaced(&probe, nodes[0], 2, Duration::from_secs(10)).await;
    assert!(now.contains(&nodes[1]), "the other node runs on: {now:?}");
    members(&group, 2).await;
    consumed(&probe, &topic, 100).await;

    probe.signal("TERM");
    let (code, stderr) = probe.wait(Duration::from_secs(40)).await;
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("ended: signal: 9"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_node_is_killed_and_replaced() {
    let (mut probe, topic, group) = swarm("swarm-silent", 2, 4, &[]).await;
    members(&group, 2).await;
    let nodes = child_pids(probe.id());
    let stopped = Instant::now();
    send_signal(nodes[0], "STOP");
    replaced(&probe, nodes[0], 2, Duration::from_secs(15)).await;
    // Not before swarm.node_report_timeout.
    assert!(stopped.elapsed() >= Duration::from_millis(1_800));
    members(&group, 2).await;
    consumed(&probe, &topic, 100).await;

    probe.signal("TERM");
    let (code, stderr) = probe.wait(Duration::from_secs(40)).await;
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("has not reported healthy for"),
        "the silent node was named: {stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_swarm_exits_with_its_worst_nodes_code() {
    // One partition in batches of 50 taking 50 s: its node is mid-batch at SIGTERM and its
    // shutdown times out after 1 s (code 2); the other node stops gracefully (code 0).
    let (mut probe, topic, _) = swarm(
        "swarm-worst",
        2,
        1,
        &[
            ("KARAFKA_MAX_MESSAGES", "50"),
            ("PROBE_SLEEP_MS", "1000"),
            ("KARAFKA_SHUTDOWN_TIMEOUT", "1000"),
        ],
    )
    .await;
    produce_keyed(&topic, 100, 3).await;
    probe.wait_handled(1, Duration::from_secs(60)).await;
    let nodes = child_pids(probe.id());
    let started = Instant::now();
    probe.signal("TERM");
    let (code, stderr) = probe.wait(Duration::from_secs(40)).await;
    assert_eq!(code, Some(2), "{stderr}");
    // shutdown_timeout and the node's close, well before the supervisor's deadline.
    assert!(started.elapsed() < Duration::from_secs(15), "{stderr}");
    assert!(nodes.iter().all(|node| !running(*node)));
    assert!(stderr.contains("exit status: 2"), "{stderr}");
    assert!(stderr.contains("exit status: 0"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_stop_when_their_supervisor_is_gone() {
    let (probe, _, group) = swarm("swarm-orphans", 2, 2, &[]).await;
    members(&group, 2).await;
    let nodes = child_pids(probe.id());
    probe.signal("KILL");
    wait_for(
        Duration::from_secs(30),
        "the orphaned nodes to stop",
        || nodes.iter().all(|node| !running(*node)),
    )
    .await;
    // They stopped gracefully: they left the group rather than being dropped from it.
    wait_for(Duration::from_secs(5), "the group to be empty", || {
        stable_group_members(&group).is_none_or(|members| members.is_empty())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_refuses_to_run_outside_a_swarm() {
    let (code, _, stderr) = Probe::output(
        PROBE,
        &["server", "--swarm-node", "0"],
        &unique("swarm-by-hand"),
        &[],
    )
    .await;
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("--swarm-node is for the nodes `swarm` starts"),
        "{stderr}"
    );
}
