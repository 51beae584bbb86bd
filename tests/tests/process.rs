//! The server as a real process: SIGKILL loses nothing, SIGTERM finishes the batch and exits 0,
//! a job outliving `shutdown_timeout` exits 2, and bad settings fail before connecting.

use std::time::{Duration, Instant};

use karafka_integration_tests::*;

const PROBE: &str = env!("CARGO_BIN_EXE_probe");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_consumer_loses_nothing_and_commits_nothing_unhandled() {
    logs();
    let topic = unique("kill");
    let group = unique("kill-group");
    create_topic(&topic, 3).await;
    produce_keyed(&topic, 3_000, 30).await;
    let ends = end_offsets(&topic, 3);
    let session = [
        ("KARAFKA_KAFKA__SESSION_TIMEOUT_MS", "3000"),
        ("KARAFKA_KAFKA__HEARTBEAT_INTERVAL_MS", "500"),
    ];

    let mut first = Probe::spawn(
        PROBE,
        &topic,
        &group,
        &[session[0], session[1], ("PROBE_SLEEP_MS", "1")],
    );
    first.wait_handled(600, Duration::from_secs(60)).await;
    first.signal("KILL");
    let (code, _) = first.wait(Duration::from_secs(10)).await;
    assert_eq!(code, None, "killed by the signal");
    let before_kill = first.handled();
    let committed_at_kill = committed_offsets(&group, &topic, 3);
    assert!(
        before_kill.len() < 3_000,
        "the kill must land mid-stream to test anything"
    );
    for partition in 0..3 {
        if let Some(committed) = committed_at_kill[partition as usize] {
            assert!(
                all_handled_below(&before_kill, partition, committed),
                "partition {partition}: committed {committed} runs ahead of what was handled"
            );
        }
    }

    let mut second = Probe::spawn(PROBE, &topic, &group, &session);
    let deadline = Instant::now() + Duration::from_secs(90);
    while committed_offsets(&group, &topic, 3) != ends.iter().map(|&e| Some(e)).collect::<Vec<_>>()
    {
        assert!(
            Instant::now() < deadline,
            "the restarted consumer did not catch up"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    second.signal("TERM");
    let (code, stderr) = second.wait(Duration::from_secs(30)).await;
    assert_eq!(code, Some(0), "{stderr}");

    let after_restart = second.handled();
    for partition in 0..3 {
        let end = ends[partition as usize];
        let all: Vec<(i32, i64)> = before_kill.iter().chain(&after_restart).copied().collect();
        assert!(
            all_handled_below(&all, partition, end),
            "partition {partition}: a message was lost"
        );
        let resumed_at = after_restart
            .iter()
            .find(|(p, _)| *p == partition)
            .map(|(_, o)| *o);
        let committed = committed_at_kill[partition as usize].unwrap_or(0);
        if committed < end {
            assert_eq!(
                resumed_at,
                Some(committed),
                "partition {partition}: the restart resumes at the committed offset"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_lets_the_running_batch_finish_commits_and_exits_0() {
    // Batches of 50 messages taking 2 s each; the second runs.
    let (mut probe, topic, group) = slow_batches(PROBE, "sigterm", "40", 60).await;
    probe.signal("TERM");
    let (code, stderr) = probe.wait(Duration::from_secs(30)).await;
    assert_eq!(code, Some(0), "{stderr}");

    assert_eq!(
        probe.offsets(),
        (0..100).collect::<Vec<_>>(),
        "the second batch finished, no third began"
    );
    assert_eq!(committed_offsets(&group, &topic, 1), vec![Some(100)]);
    assert!(stderr.contains("Received SIGTERM"), "{stderr}");
    assert!(stderr.contains("Stopped in"), "{stderr}");
}

/// A server on a new topic whose first job never ends, under `shutdown_timeout_ms`; returned
/// once that job runs, with its topic and group.
async fn stuck_server(name: &str, shutdown_timeout_ms: &str) -> (Probe, String, String) {
    let topic = unique(name);
    let group = unique(&format!("{name}-group"));
    create_topic(&topic, 1).await;
    produce_keyed(&topic, 5, 1).await;
    let probe = Probe::spawn(
        PROBE,
        &topic,
        &group,
        &[
            ("KARAFKA_SHUTDOWN_TIMEOUT", shutdown_timeout_ms),
            ("PROBE_SLEEP_MS", "600000"),
            // Job starts are DEBUG lines.
            ("RUST_LOG", "info,karafka::processing=debug"),
        ],
    );
    probe
        .wait_log("Consume job for Probe", Duration::from_secs(60))
        .await;
    (probe, topic, group)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_outliving_the_shutdown_timeout_exits_2_and_names_the_job() {
    let (mut probe, topic, group) = stuck_server("shutdown-timeout", "1000").await;
    let signalled = Instant::now();
    probe.signal("TERM");
    let (code, stderr) = probe.wait(Duration::from_secs(30)).await;
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        signalled.elapsed() < Duration::from_secs(15),
        "exited long after the timeout"
    );
    assert!(
        stderr.contains(&format!("job still running: Probe on {topic}/0")),
        "{stderr}"
    );
    assert!(probe.handled().is_empty());
    assert_eq!(
        committed_offsets(&group, &topic, 1),
        vec![None],
        "nothing unhandled was committed"
    );
    assert!(
        !stderr.contains("Failed to close consumer queue"),
        "no stray error after closing the consumer under the job: {stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_settings_fail_before_connecting_and_name_the_key() {
    let unreachable = ("KARAFKA_KAFKA__BOOTSTRAP_SERVERS", "127.0.0.1:1");
    for (setting, named) in [
        (("KARAFKA_PAUSE_TIMEOUT", "0"), "pause_timeout"),
        (("KARAFKA_MAX_MESSAGES", "many"), "max_messages"),
        (
            ("KARAFKA_KAFKA__ENABLE_AUTO_OFFSET_STORE", "true"),
            "enable.auto.offset.store",
        ),
    ] {
        let started = Instant::now();
        let mut probe = Probe::spawn(PROBE, "any-topic", "any-group", &[unreachable, setting]);
        let (code, stderr) = probe.wait(Duration::from_secs(20)).await;
        assert_eq!(code, Some(1), "{stderr}");
        assert!(
            stderr.to_lowercase().contains(named),
            "{setting:?} must be named: {stderr}"
        );
        assert!(
            stderr.lines().count() <= 2,
            "one clear line, not a backtrace: {stderr}"
        );
        assert!(started.elapsed() < Duration::from_secs(10));
    }
}

/// `KARAFKA_ENV` is what Ruby's Karafka reads; a variable that names no setting is ignored with a
/// warning that names it, and the app runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn variables_that_name_no_setting_are_ignored_with_a_warning() {
    let topic = unique("ignored-variables");
    let group = unique("ignored-variables-group");
    create_topic(&topic, 1).await;
    let mut probe = Probe::spawn(
        PROBE,
        &topic,
        &group,
        &[("KARAFKA_ENV", "production"), ("KARAFKA_CONCURENCY", "3")],
    );
    probe
        .wait_log("Assigned partitions", Duration::from_secs(60))
        .await;
    probe.signal("TERM");
    let (code, stderr) = probe.wait(Duration::from_secs(30)).await;
    assert_eq!(code, Some(0), "{stderr}");
    for variable in ["KARAFKA_ENV", "KARAFKA_CONCURENCY"] {
        assert!(
            stderr.contains(&format!("Ignoring environment variable {variable}")),
            "{variable}: {stderr}"
        );
    }
}

/// Runs a server over 20 messages with the given extra settings, then stops it; returns stderr.
async fn logged_run(extra: &[(&str, &str)]) -> String {
    let topic = unique("logs");
    let group = unique("logs-group");
    create_topic(&topic, 2).await;
    produce_keyed(&topic, 20, 4).await;
    let mut env = vec![("KARAFKA_LOG_SUMMARY_INTERVAL", "200")];
    env.extend_from_slice(extra);
    let mut probe = Probe::spawn(PROBE, &topic, &group, &env);
    probe.wait_handled(20, Duration::from_secs(60)).await;
    probe.wait_log("Consumed", Duration::from_secs(30)).await;
    probe.signal("TERM");
    let (code, stderr) = probe.wait(Duration::from_secs(30)).await;
    assert_eq!(code, Some(0), "{stderr}");
    stderr
}

/// Without a terminal the log has no colour codes, and INFO shows a summary per interval
/// instead of a line per batch.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_text_log_has_no_colours_off_a_terminal_and_summarises_batches() {
    let stderr = logged_run(&[]).await;
    assert!(!stderr.contains('\u{1b}'), "ANSI escape codes: {stderr}");
    assert!(
        !stderr.contains("Consume job"),
        "per-batch lines at INFO: {stderr}"
    );
    assert!(
        !stderr.contains("Polled"),
        "per-batch lines at INFO: {stderr}"
    );
    let consumed: u64 = stderr
        .lines()
        .filter_map(|line| {
            line.split("Consumed ")
                .nth(1)?
                .split(' ')
                .next()?
                .parse::<u64>()
                .ok()
        })
        .sum();
    assert_eq!(consumed, 20, "the summaries count every message: {stderr}");
}

/// `log_format = "json"`: one JSON object per line, with the event's fields as fields.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_json_log_has_one_object_per_line_with_fields() {
    let stderr = logged_run(&[("KARAFKA_LOG_FORMAT", "json")]).await;
    let lines: Vec<serde_json::Value> = stderr
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect();
    let summaries: Vec<&serde_json::Value> = lines
        .iter()
        .filter(|line| {
            line["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("Consumed"))
        })
        .collect();
    assert!(!summaries.is_empty(), "{stderr}");
    let consumed: u64 = summaries
        .iter()
        .map(|line| {
            line["messages"]
                .as_u64()
                .expect("messages is a number field")
        })
        .sum();
    assert_eq!(consumed, 20, "{stderr}");
    assert!(summaries
        .iter()
        .all(|line| line["lag"].is_i64() && line["level"] == "INFO"));
    assert!(lines.iter().any(|line| line["message"]
        .as_str()
        .is_some_and(|m| m.starts_with("Assigned partitions"))));
}

/// Brokers that never answer: each kind of failure is logged once and then at most every 30 s
/// (it was every attempt: 1,807 lines in 40 s), and with `join_timeout` the server gives up with
/// exit code 1 and a line that says why.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_brokers_are_reported_briefly_and_join_timeout_gives_up() {
    let started = Instant::now();
    let mut probe = Probe::spawn(
        PROBE,
        "any-topic",
        "any-group",
        &[
            ("KARAFKA_KAFKA__BOOTSTRAP_SERVERS", "127.0.0.1:1"),
            ("KARAFKA_JOIN_TIMEOUT", "6000"),
        ],
    );
    let (code, stderr) = probe.wait(Duration::from_secs(40)).await;
    assert_eq!(code, Some(1), "{stderr}");
    assert!(started.elapsed() < Duration::from_secs(25), "{stderr}");
    let last = stderr.lines().last().unwrap_or_default();
    assert!(
        last.contains("join_timeout") && last.contains("127.0.0.1:1"),
        "the last line says why: {stderr}"
    );
    let lines = stderr.lines().count();
    assert!(lines <= 25, "{lines} lines in 6 s: {stderr}");
}

/// A second Ctrl-C while a job holds up the shutdown exits at once with code 2, naming the job.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_interrupt_exits_at_once_naming_the_running_jobs() {
    let (mut probe, topic, _) = stuck_server("second-interrupt", "60000").await;
    probe.signal("INT");
    probe.wait_log("Stopping", Duration::from_secs(10)).await;
    let signalled = Instant::now();
    probe.signal("INT");
    let (code, stderr) = probe.wait(Duration::from_secs(30)).await;
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        signalled.elapsed() < Duration::from_secs(10),
        "the second signal did not wait for the job: {stderr}"
    );
    assert!(
        stderr.contains(&format!("job still running: Probe on {topic}/0")),
        "{stderr}"
    );
}

/// "Polled N messages in X ms" counts the gathering after the first message, not the idle wait
/// before it: a message that arrives after 3 idle seconds is polled well within
/// `max_wait_time`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_poll_time_leaves_out_the_idle_wait() {
    let topic = unique("idle-poll");
    let group = unique("idle-poll-group");
    create_topic(&topic, 1).await;
    let mut probe = Probe::spawn(
        PROBE,
        &topic,
        &group,
        &[
            ("KARAFKA_MAX_WAIT_TIME", "1000"),
            ("RUST_LOG", "info,karafka::processing=debug"),
        ],
    );
    probe
        .wait_log("Assigned partitions", Duration::from_secs(60))
        .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    produce_to(&topic, 0, &["{}"]).await;
    probe.wait_handled(1, Duration::from_secs(30)).await;
    probe
        .wait_log("Polled 1 messages", Duration::from_secs(10))
        .await;
    probe.signal("TERM");
    let (code, stderr) = probe.wait(Duration::from_secs(30)).await;
    assert_eq!(code, Some(0), "{stderr}");
    let polled_ms: u64 = stderr
        .lines()
        .find_map(|line| {
            let rest = line
                .split(&format!("Polled 1 messages from {topic}/0 in "))
                .nth(1)?;
            rest.split(' ').next()?.parse().ok()
        })
        .unwrap_or_else(|| panic!("no poll line: {stderr}"));
    assert!(
        polled_ms < 1_000,
        "the idle wait was counted: {polled_ms} ms"
    );
}
