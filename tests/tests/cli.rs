//! The app's command line, run as a process against the real broker: `topics ...`, `info`,
//! `consumer-groups ...`, `server` filters, help, and one-line errors.

use std::time::Duration;

use karafka::admin::Admin;
use karafka_integration_tests::*;

const PROBE: &str = env!("CARGO_BIN_EXE_probe");

async fn cli(args: &[&str], topic: &str, env: &[(&str, &str)]) -> (Option<i32>, String, String) {
    Probe::output(PROBE, args, topic, env).await
}

fn admin() -> Admin {
    Admin::new(&config("cli-admin")).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn topics_commands_make_the_cluster_match_the_routes() {
    let topic = unique("declared");
    let declared = |partitions: &'static str, retention: &'static str| {
        vec![
            ("PROBE_PARTITIONS", partitions),
            ("PROBE_SETTING", retention),
        ]
    };
    let initial = declared("3", "retention.ms=86400000");

    let (code, out, err) = cli(&["topics", "plan", "--detailed-exitcode"], &topic, &initial).await;
    assert_eq!(code, Some(2), "{err}");
    assert!(
        out.contains(&format!(
            "+ create {topic}: 3 partition(s), replication factor 1, retention.ms=86400000"
        )),
        "{out}"
    );
    assert!(
        admin().partition_count(&topic).await.is_err(),
        "plan changes nothing"
    );

    let (code, out, err) = cli(&["topics", "migrate"], &topic, &initial).await;
    assert_eq!(code, Some(0), "{out}{err}");
    assert_eq!(admin().partition_count(&topic).await.unwrap(), 3);
    let settings = admin()
        .topic_settings(&topic, &["retention.ms"])
        .await
        .unwrap();
    assert_eq!(
        settings.get("retention.ms").map(String::as_str),
        Some("86400000")
    );

    let (code, out, _) = cli(&["topics", "plan", "--detailed-exitcode"], &topic, &initial).await;
    assert_eq!((code, out.trim()), (Some(0), "No changes."));

    let grown = declared("5", "retention.ms=86400000");
    let (_, out, _) = cli(&["topics", "plan"], &topic, &grown).await;
    assert!(
        out.contains(&format!("~ repartition {topic}: 3 -> 5 partitions")),
        "{out}"
    );
    let (code, _, err) = cli(
        &["topics", "repartition", "--detailed-exitcode"],
        &topic,
        &grown,
    )
    .await;
    assert_eq!(code, Some(2), "{err}");
    assert_eq!(admin().partition_count(&topic).await.unwrap(), 5);

    let shrunk = declared("2", "retention.ms=86400000");
    let (code, out, err) = cli(&["topics", "migrate"], &topic, &shrunk).await;
    assert_eq!(code, Some(1), "{out}");
    assert!(err.contains("cannot shrink to 2"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "one clear line: {err}");

    let retuned = declared("5", "retention.ms=3600000");
    let (code, out, err) = cli(&["topics", "align"], &topic, &retuned).await;
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.contains(&format!(
            "~ align {topic}: retention.ms 86400000 -> 3600000"
        )),
        "{out}"
    );
    let settings = admin()
        .topic_settings(&topic, &["retention.ms"])
        .await
        .unwrap();
    assert_eq!(
        settings.get("retention.ms").map(String::as_str),
        Some("3600000")
    );

    produce_to(&topic, 0, &["{}", "{}"]).await;
    let (code, out, err) = cli(&["topics", "reset"], &topic, &retuned).await;
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains(&format!("- delete {topic}")), "{out}");
    wait_for_topic(&topic, 5).await;
    assert_eq!(
        admin().watermarks(&topic, 0).await.unwrap(),
        (0, 0),
        "reset drops the messages"
    );

    let (code, out, err) = cli(&["topics", "delete"], &topic, &retuned).await;
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains(&format!("- delete {topic}")), "{out}");
    let (code, out, err) = cli(
        &["topics", "create", "--detailed-exitcode"],
        &topic,
        &retuned,
    )
    .await;
    assert_eq!(code, Some(2), "{err}");
    assert!(out.contains(&format!("+ create {topic}")), "{out}");
    wait_for_topic(&topic, 5).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn topics_commands_manage_declared_and_dead_letter_topics() {
    let topic = unique("routed");
    let outbox = unique("outbox");
    let dead_letter = unique("routed-dlq");
    let declare = format!("{outbox}:4");
    let env = [
        ("PROBE_DECLARE", declare.as_str()),
        ("PROBE_DLQ", dead_letter.as_str()),
    ];

    let (code, out, err) = cli(&["topics", "plan", "--detailed-exitcode"], &topic, &env).await;
    assert_eq!(code, Some(2), "{err}");
    for line in [
        format!("+ create {outbox}: 4 partition(s), replication factor 1"),
        format!("+ create {topic}: 1 partition(s), replication factor 1"),
        format!("+ create {dead_letter}: 1 partition(s), replication factor 1"),
    ] {
        assert!(out.contains(&line), "{line} in {out}");
    }

    let (code, out, err) = cli(&["topics", "create"], &topic, &env).await;
    assert_eq!(code, Some(0), "{out}{err}");
    wait_for_topic(&outbox, 4).await;
    wait_for_topic(&dead_letter, 1).await;
    let (code, out, _) = cli(&["topics", "plan", "--detailed-exitcode"], &topic, &env).await;
    assert_eq!((code, out.trim()), (Some(0), "No changes."));

    let (code, out, err) = cli(&["topics", "delete", "--yes"], &topic, &env).await;
    assert_eq!(code, Some(0), "{err}");
    for deleted in [&outbox, &topic, &dead_letter] {
        assert!(out.contains(&format!("- delete {deleted}")), "{out}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strict_declarative_topics_refuses_an_undeclared_dead_letter_topic_at_start() {
    let topic = unique("strict");
    let dead_letter = unique("strict-dlq");
    let strict = ("KARAFKA_STRICT_DECLARATIVE_TOPICS", "true");
    let undeclared = [strict, ("PROBE_DLQ", dead_letter.as_str())];
    for command in [&["server"][..], &["topics", "create"]] {
        let (code, _, err) = cli(command, &topic, &undeclared).await;
        assert_eq!(code, Some(1), "{command:?}: {err}");
        assert!(
            err.contains(&format!(
                "strict_declarative_topics: `{dead_letter}` (dead-letter topic of `{topic}`) not \
                 declared"
            )),
            "{command:?}: {err}"
        );
        assert_eq!(err.trim().lines().count(), 1, "one clear line: {err}");
    }
    assert!(
        admin().partition_count(&topic).await.is_err(),
        "nothing created"
    );

    let declare = format!("{dead_letter}:2");
    let declared = [
        strict,
        ("PROBE_DLQ", dead_letter.as_str()),
        ("PROBE_DECLARE", declare.as_str()),
    ];
    let (code, out, err) = cli(&["topics", "plan"], &topic, &declared).await;
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.contains(&format!("+ create {dead_letter}: 2 partition(s)")),
        "the explicit declaration wins: {out}"
    );
}

/// Topic creation right after a deletion can take a moment to show in metadata.
async fn wait_for_topic(topic: &str, partitions: i32) {
    for _ in 0..100 {
        if admin().partition_count(topic).await.ok() == Some(partitions) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{topic} never showed {partitions} partitions");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn info_prints_versions_settings_without_secrets_and_routes() {
    let (code, out, err) = cli(
        &["info"],
        "info-topic",
        &[
            ("KARAFKA_KAFKA__SASL_PASSWORD", "hunter2"),
            ("PROBE_SECOND_TOPIC", "second-topic"),
        ],
    )
    .await;
    assert_eq!(code, Some(0), "{err}");
    assert!(out.starts_with("karafka 0.1.0 (librdkafka 2."), "{out}");
    assert!(!out.contains("hunter2"), "{out}");
    assert!(out.contains("\"sasl.password\" = \"[REDACTED]\""), "{out}");
    assert!(out.contains("concurrency = 5"), "{out}");
    assert!(out.contains("consumer group cli-group"), "{out}");
    assert!(
        out.contains("topic info-topic -> Probe (max_messages 100, max_wait_time 50 ms)"),
        "{out}"
    );
    assert!(out.contains("topic second-topic -> Probe"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_command_has_help_and_errors_are_one_line() {
    for args in [
        vec!["--help"],
        vec!["help", "topics"],
        vec!["server", "--help"],
        vec!["info", "--help"],
        vec!["topics", "migrate", "--help"],
        vec!["consumer-groups", "seek", "--help"],
        vec!["consumer-groups", "copy", "--help"],
        vec!["cluster", "--help"],
        vec!["tasks", "trigger", "--help"],
    ] {
        let (code, out, err) = cli(&args, "help-topic", &[]).await;
        assert_eq!(code, Some(0), "{args:?}: {err}");
        assert!(out.contains("Usage:"), "{args:?}: {out}");
    }
    let unreachable = [("KARAFKA_KAFKA__BOOTSTRAP_SERVERS", "127.0.0.1:1")];
    let (code, _, err) = cli(&["topics", "plan"], "unreachable-topic", &unreachable).await;
    assert_eq!(code, Some(1));
    assert!(
        err.contains("cannot reach the brokers at 127.0.0.1:1"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");

    let (code, _, err) = cli(&seek_args("g", "t", "yesterday"), "any", &[]).await;
    assert_eq!(code, Some(2), "clap rejects the argument");
    assert!(err.contains("`yesterday` is not a seek target"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consumer_groups_lag_and_seek_replay_and_skip() {
    let topic = unique("seek");
    let group = unique("seek-group");
    create_topic(&topic, 2).await;
    produce_to(&topic, 0, &["{}"; 6]).await;
    produce_to(&topic, 1, &["{}"; 4]).await;
    let env = [("KARAFKA_GROUP_ID", group.as_str())];

    // A group that never consumed the topic is most likely a typo: refused unless --allow-new.
    for command in ["lag", "seek"] {
        let mut args = vec![
            "consumer-groups",
            command,
            "--group",
            &group,
            "--topic",
            &topic,
        ];
        if command == "seek" {
            args.extend(["--to", "3"]);
        }
        let (code, out, err) = cli(&args, &topic, &env).await;
        assert_eq!(code, Some(1), "{command}: {out}{err}");
        assert!(
            err.contains(&format!(
                "consumer group `{group}` has no committed offsets"
            )) && err.contains("--allow-new"),
            "{command}: {err}"
        );
    }
    assert_eq!(committed_offsets(&group, &topic, 2), vec![None, None]);

    let (code, out, err) = cli(
        &[
            "consumer-groups",
            "seek",
            "--group",
            &group,
            "--topic",
            &topic,
            "--to",
            "3",
            "--allow-new",
        ],
        &topic,
        &env,
    )
    .await;
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.contains(&format!("{topic}/0 -> 3")) && out.contains(&format!("{topic}/1 -> 3")),
        "{out}"
    );
    assert_eq!(committed_offsets(&group, &topic, 2), vec![Some(3), Some(3)]);

    let (code, out, err) = cli(&["consumer-groups", "lag", "--topic", &topic], &topic, &env).await;
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(
        table_rows(&out),
        vec![
            vec![group.as_str(), topic.as_str(), "0", "3", "6", "3"],
            vec![group.as_str(), topic.as_str(), "1", "3", "4", "1"],
        ]
    );

    for (target, expected) in [
        ("latest", [Some(6), Some(4)]),
        ("earliest", [Some(0), Some(0)]),
    ] {
        let (code, _, err) = cli(&seek_args(&group, &topic, target), &topic, &env).await;
        assert_eq!(code, Some(0), "{err}");
        assert_eq!(
            committed_offsets(&group, &topic, 2),
            expected.to_vec(),
            "{target}"
        );
    }
    let future = "2100-01-01T00:00:00Z";
    cli(&seek_args(&group, &topic, future), &topic, &env).await;
    assert_eq!(
        committed_offsets(&group, &topic, 2),
        vec![Some(6), Some(4)],
        "after every message: the end"
    );

    // A group with a live member is not moved.
    let mut member = Probe::spawn(PROBE, &topic, &group, &[]);
    member
        .wait_log("Assigned partitions", Duration::from_secs(30))
        .await;
    let (code, _, err) = cli(&seek_args(&group, &topic, "0"), &topic, &env).await;
    assert_eq!(code, Some(1));
    assert!(err.contains("active member"), "{err}");
    member.signal("TERM");
    assert_eq!(member.wait(Duration::from_secs(30)).await.0, Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_filters_choose_the_topics_consumed() {
    let (first, second) = (unique("filtered-in"), unique("filtered-out"));
    let group = unique("filter-group");
    create_topic(&first, 1).await;
    create_topic(&second, 1).await;
    produce_to(&first, 0, &["{}", "{}"]).await;
    produce_to(&second, 0, &["{}", "{}"]).await;

    let mut probe = Probe::command(
        PROBE,
        &["server", "--exclude-topics", &second],
        &first,
        &group,
        &[("PROBE_SECOND_TOPIC", second.as_str())],
    );
    probe.wait_handled(2, Duration::from_secs(30)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    probe.signal("TERM");
    assert_eq!(probe.wait(Duration::from_secs(30)).await.0, Some(0));
    assert!(probe
        .handled_by_topic()
        .iter()
        .all(|(topic, _, _)| *topic == first));

    let (code, _, err) = cli(
        &["server", "--include-consumer-groups", "nope"],
        &first,
        &[("KARAFKA_GROUP_ID", group.as_str())],
    )
    .await;
    assert_eq!(code, Some(1));
    assert!(
        err.contains("--include-consumer-groups names `nope`") && err.contains(&group),
        "an unknown name is named, with the routed ones: {err}"
    );
    let (code, _, err) = cli(&["server", "--exclude-topics", &first], &first, &[]).await;
    assert_eq!(code, Some(1));
    assert!(err.contains("no topic is left to consume"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_reads_a_range_of_a_partition_without_joining_a_group() {
    let topic = unique("read");
    create_topic(&topic, 1).await;
    produce_to(
        &topic,
        0,
        &[
            "{\"n\":0}",
            "{\"n\":1}",
            "{\"n\":2}",
            "{\"n\":3}",
            "{\"n\":4}",
        ],
    )
    .await;

    let read = admin().read_topic(&topic, 0, 1, 3).await.unwrap();
    let values: Vec<(i64, serde_json::Value)> = read
        .iter()
        .map(|m| (m.offset(), m.payload().unwrap()))
        .collect();
    assert_eq!(
        values,
        vec![
            (1, serde_json::json!({"n": 1})),
            (2, serde_json::json!({"n": 2})),
            (3, serde_json::json!({"n": 3}))
        ]
    );
    let tail = admin().read_topic(&topic, 0, 3, 10).await.unwrap();
    assert_eq!(
        tail.iter().map(|m| m.offset()).collect::<Vec<_>>(),
        vec![3, 4],
        "stops at the end"
    );

    let (code, _, err) = cli(&seek_args("g", "no-such-topic-anywhere", "0"), &topic, &[]).await;
    assert_eq!(code, Some(1));
    assert!(
        err.contains("topic `no-such-topic-anywhere` does not exist"),
        "{err}"
    );
}

/// Runs `probe <command>` for `topic` on a terminal (util-linux `script` gives it one), with
/// `env`, typing `answer`; returns the exit code and what the terminal showed.
fn on_a_terminal(
    command: &str,
    topic: &str,
    env: &[(&str, &str)],
    answer: &str,
) -> (Option<i32>, String) {
    use std::io::Write as _;
    use std::process::{Command, Stdio};

    let mut child = Command::new("script")
        .args(["-qec", &format!("{PROBE} {command}"), "/dev/null"])
        .env("KARAFKA_KAFKA__BOOTSTRAP_SERVERS", bootstrap_servers())
        .env("PROBE_TOPIC", topic)
        .env_remove("RUST_LOG")
        .env_remove("NO_COLOR")
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("script runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(answer.as_bytes())
        .expect("answer typed");
    let started = std::time::Instant::now();
    while child.try_wait().expect("status").is_none() {
        if started.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            panic!("{command} on a terminal did not end within 30 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let output = child.wait_with_output().expect("output");
    let shown = String::from_utf8_lossy(&output.stdout).into_owned();
    (output.status.code(), shown)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn topics_delete_asks_on_a_terminal() {
    let topic = unique("confirm");
    create_topic(&topic, 1).await;
    let (code, shown) = on_a_terminal("topics delete", &topic, &[], "n\n");
    assert_eq!(code, Some(1), "{shown}");
    assert!(
        shown.contains(&format!("Delete the topics {topic}")),
        "{shown}"
    );
    assert!(shown.contains("nothing deleted"), "{shown}");
    assert_eq!(admin().partition_count(&topic).await.ok(), Some(1), "kept");

    let (code, shown) = on_a_terminal("topics delete", &topic, &[], "y\n");
    assert_eq!(code, Some(0), "{shown}");
    assert!(shown.contains(&format!("- delete {topic}")), "{shown}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn version_names_the_app_and_karafka() {
    let (code, out, err) = cli(&["--version"], "any-topic", &[]).await;
    assert_eq!(code, Some(0), "{err}");
    let (_, librdkafka) = rdkafka::util::get_rdkafka_version();
    assert_eq!(
        out.trim(),
        format!(
            "karafka-integration-tests {} (karafka {}, librdkafka {librdkafka})",
            env!("CARGO_PKG_VERSION"),
            env!("CARGO_PKG_VERSION")
        ),
        "the app's package name and version (karafka::run!), then karafka's"
    );
}

/// On a terminal the log is coloured, unless `NO_COLOR` is set (no-color.org).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_log_is_coloured_on_a_terminal_unless_no_color_is_set() {
    // A server that gives up at once: a few log lines, then exit 1.
    let env = [
        ("KARAFKA_KAFKA__BOOTSTRAP_SERVERS", "127.0.0.1:1"),
        ("KARAFKA_JOIN_TIMEOUT", "500"),
    ];
    let (code, shown) = on_a_terminal("server", "any-topic", &env, "");
    assert_eq!(code, Some(1), "{shown}");
    assert!(shown.contains("\u{1b}["), "colours on a terminal: {shown}");
    let plain: Vec<(&str, &str)> = env.iter().copied().chain([("NO_COLOR", "1")]).collect();
    let (code, shown) = on_a_terminal("server", "any-topic", &plain, "");
    assert_eq!(code, Some(1), "{shown}");
    assert!(shown.contains("join_timeout"), "{shown}");
    assert!(
        !shown.contains('\u{1b}'),
        "no colours with NO_COLOR: {shown}"
    );
}
