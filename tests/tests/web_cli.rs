//! karafka-web's commands on an app's command line, run as a process (the `probe` binary, which
//! adds them with `karafka::run!(app, karafka_web::Commands)`) against the real broker:
//! `web install`, `dlq list|show|replay`, the replay limit, and help.

use std::time::{Duration, Instant};

use karafka::admin::Admin;
use karafka::middleware::dead_letter_queue::headers;
use karafka::Record;
use karafka_integration_tests::*;
use karafka_web::dlq::REPLAYS_HEADER;

const PROBE: &str = env!("CARGO_BIN_EXE_probe");

async fn cli(args: &[&str], topic: &str, env: &[(&str, &str)]) -> (Option<i32>, String, String) {
    Probe::output(PROBE, args, topic, env).await
}

fn admin() -> Admin {
    Admin::new(&config("web-cli-admin")).expect("admin client")
}

/// Waits until `topic` exists with `partitions` partitions, or panics after 30 s.
async fn wait_for_topic(topic: &str, partitions: i32) {
    let admin = admin();
    let started = Instant::now();
    loop {
        match admin.partition_count(topic).await {
            Ok(count) if count == partitions => return,
            outcome => assert!(
                started.elapsed() < Duration::from_secs(30),
                "{topic} does not have {partitions} partition(s) after 30 s: {outcome:?}"
            ),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A dead letter of `dead_letters` as the dead-letter queue writes it: from `topic`/0 at offset 7,
/// failed with `error`, replayed `replays` times. Returns its offset.
async fn produce_dead_letter(
    dead_letters: &str,
    topic: &str,
    payload: &str,
    error: &str,
    replays: Option<&str>,
) -> i64 {
    let mut record = Record::new(dead_letters, payload)
        .header(headers::TOPIC, topic)
        .header(headers::PARTITION, "0")
        .header(headers::OFFSET, "7")
        .header(headers::CONSUMER_GROUP, "payments")
        .header(headers::ATTEMPTS, "3")
        .header(headers::ERROR, error);
    if let Some(replays) = replays {
        record = record.header(REPLAYS_HEADER, replays);
    }
    producer()
        .produce_sync(record)
        .await
        .expect("dead letter produced")
        .offset
}

/// A source topic and its dead-letter topic, one partition each, created and visible.
async fn topics(prefix: &str) -> (String, String) {
    let topic = unique(prefix);
    let dead_letters = format!("{topic}-dlq");
    create_topic(&topic, 1).await;
    create_topic(&dead_letters, 1).await;
    wait_for_topic(&topic, 1).await;
    wait_for_topic(&dead_letters, 1).await;
    (topic, dead_letters)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_install_creates_the_three_topics_once() {
    let reports = unique("web-cli-reports");
    let errors = unique("web-cli-errors");
    let commands = unique("web-cli-commands");
    let env = [
        ("KARAFKA_WEB__REPORTS_TOPIC", reports.as_str()),
        ("KARAFKA_WEB__ERRORS_TOPIC", errors.as_str()),
        ("KARAFKA_WEB__COMMANDS_TOPIC", commands.as_str()),
    ];
    let names = [&reports, &errors, &commands];

    let (code, out, err) = cli(&["web", "install"], "web-cli-install", &env).await;
    assert_eq!(code, Some(0), "{out}{err}");
    for name in names {
        assert!(out.contains(&format!("{name}: created")), "{name}: {out}");
    }
    for name in names {
        wait_for_topic(name, 1).await;
    }
    let retention = admin()
        .topic_settings(&errors, &["retention.ms"])
        .await
        .expect("settings of the errors topic");
    assert_eq!(
        retention.get("retention.ms").map(String::as_str),
        Some("259200000"),
        "errors are kept three days"
    );

    let (code, out, err) = cli(&["web", "install"], "web-cli-install", &env).await;
    assert_eq!(code, Some(0), "{out}{err}");
    for name in names {
        assert!(out.contains(&format!("{name}: exists")), "{name}: {out}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dlq_list_and_show_print_a_dead_letter_and_replay_puts_it_back_counted() {
    let (topic, dead_letters) = topics("web-cli-payments").await;
    let offset = produce_dead_letter(
        &dead_letters,
        &topic,
        "not json",
        "expected value at line 1 column 1",
        None,
    )
    .await;

    let (code, out, err) = cli(&["dlq", "list", &dead_letters], &topic, &[]).await;
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(
        out.contains(&format!("{dead_letters}/0: 1 dead letter(s) from offset 0")),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "offset {offset} from {topic}/0 offset 7: expected value at line 1 column 1"
        )),
        "{out}"
    );

    let offset_text = offset.to_string();
    let show = [
        "dlq",
        "show",
        dead_letters.as_str(),
        "0",
        offset_text.as_str(),
    ];
    let (code, out, err) = cli(&show, &topic, &[]).await;
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("payload: not json"), "{out}");
    // web.hidden_payloads (a TOML array in the variable) hides it, by its source topic.
    let hidden = format!("[\"{topic}\"]");
    let (code, out, err) = cli(
        &show,
        &topic,
        &[("KARAFKA_WEB__HIDDEN_PAYLOADS", hidden.as_str())],
    )
    .await;
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(
        out.contains("payload: (hidden: web.hidden_payloads)"),
        "{out}"
    );
    assert!(!out.contains("not json"), "{out}");

    let replay = [
        "dlq",
        "replay",
        dead_letters.as_str(),
        "0",
        offset_text.as_str(),
    ];
    let (code, out, err) = cli(&replay, &topic, &[]).await;
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(
        out.contains(&format!(
            "{dead_letters}/0 offset {offset} -> {topic}/0 offset 0"
        )),
        "{out}"
    );
    let back = admin()
        .read_topic(&topic, 0, 0, 10)
        .await
        .expect("the source topic read");
    assert_eq!(back.len(), 1, "one message replayed: {back:?}");
    let message = &back[0];
    assert_eq!(message.raw_payload(), Some(&b"not json"[..]));
    assert_eq!(message.headers().get_str(REPLAYS_HEADER), Some("1"));
    assert_eq!(
        message.headers().get_str(headers::TOPIC),
        Some(topic.as_str())
    );
    assert_eq!(
        message.headers().get_str(headers::ERROR),
        Some("expected value at line 1 column 1")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replay_beyond_max_replays_exits_1_naming_the_setting() {
    let (topic, dead_letters) = topics("web-cli-poison").await;
    let offset = produce_dead_letter(&dead_letters, &topic, "poison", "card declined", Some("2"))
        .await
        .to_string();

    let replay = ["dlq", "replay", dead_letters.as_str(), "0", offset.as_str()];
    let limit = [("KARAFKA_WEB__MAX_REPLAYS", "2")];
    let (code, out, err) = cli(&replay, &topic, &limit).await;
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(err.contains("web.max_replays (2)"), "{err}");
    assert!(err.contains("replayed 2 time(s)"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "one clear line: {err}");
    let (low, high) = admin().watermarks(&topic, 0).await.expect("watermarks");
    assert_eq!(high - low, 0, "nothing replayed to {topic}");

    // One more allowed, and it goes through.
    let (code, out, err) = cli(&replay, &topic, &[("KARAFKA_WEB__MAX_REPLAYS", "3")]).await;
    assert_eq!(code, Some(0), "{out}{err}");
    let back = admin()
        .read_topic(&topic, 0, 0, 10)
        .await
        .expect("the source topic read");
    assert_eq!(back.len(), 1, "{back:?}");
    assert_eq!(back[0].headers().get_str(REPLAYS_HEADER), Some("3"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn help_lists_the_web_and_dlq_commands() {
    let (code, out, err) = cli(&["--help"], "web-cli-help", &[]).await;
    assert_eq!(code, Some(0), "{err}");
    let commands: Vec<&str> = out
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .collect();
    for command in ["server", "topics", "web", "dlq"] {
        assert!(commands.contains(&command), "{command}: {out}");
    }
    for (args, subcommands) in [
        (vec!["web", "--help"], vec!["install"]),
        (vec!["dlq", "--help"], vec!["list", "show", "replay"]),
        (vec!["dlq", "replay", "--help"], vec![]),
    ] {
        let (code, out, err) = cli(&args, "web-cli-help", &[]).await;
        assert_eq!(code, Some(0), "{args:?}: {err}");
        assert!(out.contains("Usage:"), "{args:?}: {out}");
        for subcommand in subcommands {
            assert!(
                out.lines()
                    .any(|line| line.trim_start().starts_with(subcommand)),
                "{args:?} lists {subcommand}: {out}"
            );
        }
    }
}
