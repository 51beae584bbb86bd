//! `Admin::cluster`, the `cluster` command and `Admin::offsets_for_time` against the real broker.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use karafka::admin::{Admin, AdminError};
use karafka_integration_tests::*;

fn admin() -> Admin {
    Admin::new(&config("cluster-admin")).unwrap()
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|since| since.as_millis() as i64)
        .unwrap_or_default()
}

#[tokio::test]
async fn the_cluster_lists_brokers_and_each_partition_with_its_replicas() {
    let topic = unique("cluster");
    create_topic(&topic, 3).await;
    let cluster = admin().cluster().await.unwrap();
    assert!(!cluster.brokers.is_empty());
    let layout = cluster
        .topics
        .iter()
        .find(|layout| layout.name == topic)
        .expect("the new topic is listed");
    assert!(!layout.internal);
    let ids: Vec<i32> = layout
        .partitions
        .iter()
        .map(|partition| partition.id)
        .collect();
    assert_eq!(ids, vec![0, 1, 2]);
    for partition in &layout.partitions {
        assert!(cluster
            .brokers
            .iter()
            .any(|broker| broker.id == partition.leader));
        assert_eq!(partition.replicas.len(), 1);
        assert!(!partition.under_replicated(), "{partition:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cluster_command_prints_brokers_and_the_replicas_of_each_partition() {
    let (topic, other) = (unique("cluster-command"), unique("cluster-other"));
    create_topic(&topic, 2).await;
    create_topic(&other, 1).await;
    let (code, out, err) = Probe::output(
        env!("CARGO_BIN_EXE_probe"),
        &["cluster", "--topic", &topic],
        &topic,
        &[],
    )
    .await;
    assert_eq!(code, Some(0), "{err}");
    let cluster = admin().cluster().await.unwrap();
    let broker = &cluster.brokers[0];
    let (id, address) = (
        broker.id.to_string(),
        format!("{}:{}", broker.host, broker.port),
    );
    let lines: Vec<Vec<&str>> = out
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert!(
        lines.contains(&vec![id.as_str(), address.as_str()]),
        "the broker: {out}"
    );
    let partitions: Vec<&Vec<&str>> = lines
        .iter()
        .filter(|l| l.first() == Some(&topic.as_str()))
        .collect();
    assert_eq!(
        partitions,
        [
            &vec![topic.as_str(), "0", &id, &id, &id],
            &vec![topic.as_str(), "1", &id, &id, &id],
        ],
        "leader, replicas and in-sync replicas, none under-replicated: {out}"
    );
    assert!(!out.contains(&other), "only the topic asked for: {out}");
}

#[tokio::test]
async fn offsets_for_a_time_start_at_the_first_message_at_or_after_it() {
    let topic = unique("times");
    create_topic(&topic, 2).await;
    let admin = admin();
    produce_to(&topic, 0, &["1", "2", "3"]).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    let between = now_ms();
    tokio::time::sleep(Duration::from_millis(50)).await;
    produce_to(&topic, 0, &["4", "5"]).await;
    let offsets = admin.offsets_for_time(&topic, between).await.unwrap();
    assert_eq!(offsets.get(&0), Some(&3));
    // An empty partition, and a time after every message: the end.
    assert_eq!(offsets.get(&1), Some(&0));
    let later = admin
        .offsets_for_time(&topic, now_ms() + 60_000)
        .await
        .unwrap();
    assert_eq!(later.get(&0), Some(&5));
    let earliest = admin.offsets_for_time(&topic, 0).await.unwrap();
    assert_eq!(earliest.get(&0), Some(&0));
    let missing = admin.offsets_for_time(&unique("missing"), 0).await;
    assert!(
        matches!(missing, Err(AdminError::UnknownTopic { .. })),
        "{missing:?}"
    );
}
