//! `consumer-groups copy | rename | delete | lag | seek`, run as the app's command line against
//! the real broker.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use karafka::admin::{Admin, SeekTarget};
use karafka_integration_tests::*;

const PROBE: &str = env!("CARGO_BIN_EXE_probe");

/// Runs the probe app's command line for `topic`, its routes' consumer group being `group`.
async fn cli(args: &[&str], topic: &str, group: &str) -> (Option<i32>, String, String) {
    Probe::output(PROBE, args, topic, &[("KARAFKA_GROUP_ID", group)]).await
}

/// Runs the command line, which must succeed; returns what it printed.
async fn succeeds(args: &[&str], topic: &str, group: &str) -> String {
    let (code, out, err) = cli(args, topic, group).await;
    assert_eq!(code, Some(0), "{args:?}: {out}{err}");
    out
}

/// Runs the command line, which must fail with exit code 1; returns its error.
async fn fails(args: &[&str], topic: &str, group: &str) -> String {
    let (code, out, err) = cli(args, topic, group).await;
    assert_eq!(code, Some(1), "{args:?}: {out}{err}");
    err
}

fn admin() -> Admin {
    Admin::new(&config("consumer-groups-admin")).unwrap()
}

/// A topic of two partitions holding 6 and 4 messages, and a group that committed 5 and 4 on it
/// (a seek to 5 stops at the second partition's end).
async fn consumed_topic(group: &str) -> String {
    let topic = unique("copied");
    create_topic(&topic, 2).await;
    produce_to(&topic, 0, &["{}"; 6]).await;
    produce_to(&topic, 1, &["{}"; 4]).await;
    admin()
        .seek_consumer_group(group, &topic, SeekTarget::Offset(5))
        .await
        .unwrap();
    assert_eq!(committed_offsets(group, &topic, 2), vec![Some(5), Some(4)]);
    topic
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copy_commits_one_groups_offsets_for_another() {
    let (from, to) = (unique("copy-from"), unique("copy-to"));
    let topic = consumed_topic(&from).await;

    // No --topic: the topics the routes give `from`.
    let copy = ["consumer-groups", "copy", "--from", &from, "--to", &to];
    let out = succeeds(&copy, &topic, &from).await;
    assert!(
        out.contains(&format!("{to} {topic}/0 -> 5"))
            && out.contains(&format!("{to} {topic}/1 -> 4")),
        "{out}"
    );
    assert_eq!(committed_offsets(&to, &topic, 2), vec![Some(5), Some(4)]);
    assert_eq!(
        committed_offsets(&from, &topic, 2),
        vec![Some(5), Some(4)],
        "a copy keeps the original"
    );

    // A group that committed nothing: said, and nothing changes.
    let (empty, untouched) = (unique("copy-empty"), unique("copy-untouched"));
    let from_empty = [
        "consumer-groups",
        "copy",
        "--from",
        &empty,
        "--to",
        &untouched,
        "--topic",
        &topic,
    ];
    let err = fails(&from_empty, &topic, &from).await;
    assert!(
        err.contains(&format!(
            "consumer group `{empty}` has no committed offsets on `{topic}`: nothing to copy"
        )),
        "{err}"
    );
    assert_eq!(committed_offsets(&untouched, &topic, 2), vec![None, None]);

    let onto_itself = ["consumer-groups", "copy", "--from", &from, "--to", &from];
    let err = fails(&onto_itself, &topic, &from).await;
    assert!(err.contains("onto itself"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rename_moves_the_offsets_then_delete_removes_the_group() {
    let (old, new) = (unique("rename-old"), unique("rename-new"));
    let topic = consumed_topic(&old).await;

    // The routes already name the new group (the app was renamed): its topics are copied.
    let rename = ["consumer-groups", "rename", "--from", &old, "--to", &new];
    let out = succeeds(&rename, &topic, &new).await;
    assert!(out.contains(&format!("{new} {topic}/0 -> 5")), "{out}");
    assert!(
        out.contains(&format!("- delete consumer group {old}")),
        "{out}"
    );
    assert_eq!(committed_offsets(&new, &topic, 2), vec![Some(5), Some(4)]);
    assert_eq!(committed_offsets(&old, &topic, 2), vec![None, None]);

    let delete = ["consumer-groups", "delete", "--group", &new];
    let out = succeeds(&delete, &topic, &new).await;
    assert!(
        out.contains(&format!("- delete consumer group {new}")),
        "{out}"
    );
    assert_eq!(committed_offsets(&new, &topic, 2), vec![None, None]);

    let err = fails(&delete, &topic, &new).await;
    assert!(
        err.contains(&format!("consumer group `{new}` does not exist")),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn groups_with_members_are_not_copied_renamed_or_deleted() {
    let (live, other) = (unique("live"), unique("other"));
    let topic = consumed_topic(&live).await;
    let mut member = Probe::spawn(PROBE, &topic, &live, &[]);
    member
        .wait_log("Assigned partitions", Duration::from_secs(30))
        .await;

    let refused = format!("consumer group `{live}` has 1 active member(s)");
    for args in [
        vec!["consumer-groups", "copy", "--from", &live, "--to", &other],
        vec!["consumer-groups", "copy", "--from", &other, "--to", &live],
        vec!["consumer-groups", "rename", "--from", &live, "--to", &other],
        vec!["consumer-groups", "delete", "--group", &live],
    ] {
        let err = fails(&args, &topic, &live).await;
        assert!(err.contains(&refused), "{args:?}: {err}");
    }
    assert_eq!(committed_offsets(&other, &topic, 2), vec![None, None]);
    member.signal("TERM");
    assert_eq!(member.wait(Duration::from_secs(30)).await.0, Some(0));
    assert!(
        committed_offsets(&live, &topic, 2)
            .iter()
            .all(Option::is_some),
        "neither renamed away nor deleted"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lag_includes_the_topics_pattern_routes_match() {
    let group = unique("pattern-group");
    let (named, prefix) = (unique("named"), unique("matched"));
    let (first, second) = (format!("{prefix}.first"), format!("{prefix}.second"));
    create_topic(&named, 1).await;
    create_topic(&first, 2).await;
    create_topic(&second, 1).await;
    produce_to(&first, 0, &["{}"; 3]).await;
    produce_to(&second, 0, &["{}"; 2]).await;
    for topic in [&named, &first] {
        admin()
            .seek_consumer_group(&group, topic, SeekTarget::Offset(1))
            .await
            .unwrap();
    }

    let (code, out, err) = Probe::output(
        PROBE,
        &["consumer-groups", "lag", "--group", &group],
        &named,
        &[
            ("KARAFKA_GROUP_ID", group.as_str()),
            ("PROBE_PATTERN", &format!(r"{prefix}\..*")),
        ],
    )
    .await;
    assert_eq!(code, Some(0), "{out}{err}");
    assert_eq!(
        table_rows(&out),
        vec![
            vec![group.as_str(), named.as_str(), "0", "0", "0", "0"],
            vec![group.as_str(), first.as_str(), "0", "1", "3", "2"],
            vec![group.as_str(), first.as_str(), "1", "0", "0", "0"],
            vec![group.as_str(), second.as_str(), "0", "-", "2", "2"],
        ],
        "the pattern's topics, the one never consumed too"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lag_of_all_groups_shows_groups_the_routes_do_not_name() {
    let (routed, topic) = (unique("routed"), unique("unrouted"));
    let (group, also) = (unique("elsewhere"), unique("elsewhere-too"));
    create_topic(&routed, 1).await;
    create_topic(&topic, 1).await;
    produce_to(&topic, 0, &["{}"; 4]).await;
    for (committer, offset) in [(&group, 1), (&also, 3)] {
        admin()
            .seek_consumer_group(committer, &topic, SeekTarget::Offset(offset))
            .await
            .unwrap();
    }
    let routes = unique("routes-group");

    let lag = ["consumer-groups", "lag", "--topic", &topic];
    let out = succeeds(&lag, &routed, &routes).await;
    assert!(table_rows(&out).is_empty(), "no route reads it: {out}");

    let all_groups = ["consumer-groups", "lag", "--all-groups", "--topic", &topic];
    let out = succeeds(&all_groups, &routed, &routes).await;
    assert_eq!(
        table_rows(&out),
        vec![
            vec![group.as_str(), topic.as_str(), "0", "1", "4", "3"],
            vec![also.as_str(), topic.as_str(), "0", "3", "4", "1"],
        ]
    );

    let one_group = ["consumer-groups", "lag", "--all-groups", "--group", &also];
    let out = succeeds(&one_group, &routed, &routes).await;
    assert_eq!(
        table_rows(&out),
        vec![vec![also.as_str(), topic.as_str(), "0", "3", "4", "1"]],
        "every topic the group committed on"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seek_to_a_time_commits_the_first_offset_at_or_after_it() {
    let (topic, group) = (unique("timed"), unique("timed-group"));
    create_topic(&topic, 2).await;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|since| since.as_millis() as i64)
        .unwrap_or_default();
    let base = now - 60_000;
    produce_at_times(&topic, 0, &[base, base + 1_000, base + 2_000, base + 3_000]).await;
    produce_at_times(&topic, 1, &[base + 500, base + 2_500]).await;
    admin()
        .seek_consumer_group(&group, &topic, SeekTarget::Latest)
        .await
        .unwrap();

    for (at, expected) in [
        (base - 1_000, [0, 0]),
        (base + 1_000, [1, 1]),
        (base + 1_500, [2, 1]),
        (base + 2_500, [3, 1]),
        (base + 2_501, [3, 2]),
        // After every message: the end.
        (base + 30_000, [4, 2]),
    ] {
        let time = rfc3339_millis(at);
        succeeds(&seek_args(&group, &topic, &time), &topic, &group).await;
        assert_eq!(
            committed_offsets(&group, &topic, 2),
            expected.map(Some).to_vec(),
            "{time}"
        );
    }
}
