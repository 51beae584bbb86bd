//! `cluster`: the brokers, and each topic's partitions with their leader, replicas and in-sync
//! replicas, under-replicated ones flagged.

use std::fmt::Write as _;

use clap::Args;

use crate::admin::{Admin, ClusterLayout, PartitionLayout};
use crate::App;

#[derive(Debug, Args)]
pub(super) struct ClusterArgs {
    /// Only this topic (repeat for more). Default: every topic.
    #[arg(long)]
    topic: Vec<String>,
}

pub(super) async fn run(app: &App, args: &ClusterArgs) -> anyhow::Result<u8> {
    let layout = Admin::new(app.config())?.cluster().await?;
    print!("{}", render(&layout, &args.topic)?);
    Ok(0)
}

/// The layout as two tables: brokers, then one row per partition of the topics (`only`, when
/// not empty).
fn render(layout: &ClusterLayout, only: &[String]) -> Result<String, std::fmt::Error> {
    let mut out = String::new();
    writeln!(out, "{:>6}  address", "broker")?;
    for broker in &layout.brokers {
        writeln!(out, "{:>6}  {}:{}", broker.id, broker.host, broker.port)?;
    }
    writeln!(
        out,
        "\n{:<40} {:>9} {:>6} {:<12} {:<12}",
        "topic", "partition", "leader", "replicas", "in-sync"
    )?;
    let topics = layout
        .topics
        .iter()
        .filter(|topic| only.is_empty() || only.contains(&topic.name));
    for topic in topics {
        let name = if topic.internal {
            format!("{} (internal)", topic.name)
        } else {
            topic.name.clone()
        };
        for partition in &topic.partitions {
            writeln!(out, "{name:<40} {}", row(partition).trim_end())?;
        }
    }
    Ok(out)
}

/// One partition's columns after the topic's.
fn row(partition: &PartitionLayout) -> String {
    let leader = if partition.leader < 0 {
        "-".to_owned()
    } else {
        partition.leader.to_string()
    };
    let flag = if partition.under_replicated() {
        "under-replicated"
    } else {
        ""
    };
    format!(
        "{:>9} {leader:>6} {:<12} {:<12} {flag}",
        partition.id,
        ids(&partition.replicas),
        ids(&partition.in_sync)
    )
}

/// Broker ids as `1,2,3` (`-` for none).
fn ids(ids: &[i32]) -> String {
    if ids.is_empty() {
        return "-".to_owned();
    }
    ids.iter().map(i32::to_string).collect::<Vec<_>>().join(",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admin::{BrokerInfo, TopicLayout};

    fn partition(id: i32, leader: i32, replicas: &[i32], in_sync: &[i32]) -> PartitionLayout {
        PartitionLayout {
            id,
            leader,
            replicas: replicas.to_vec(),
            in_sync: in_sync.to_vec(),
        }
    }

    fn layout() -> ClusterLayout {
        ClusterLayout {
            brokers: vec![
                BrokerInfo {
                    id: 1,
                    host: "kafka-1".into(),
                    port: 9092,
                },
                BrokerInfo {
                    id: 2,
                    host: "kafka-2".into(),
                    port: 9093,
                },
            ],
            topics: vec![
                TopicLayout {
                    name: "__consumer_offsets".into(),
                    internal: true,
                    partitions: vec![partition(0, 1, &[1, 2], &[1, 2])],
                },
                TopicLayout {
                    name: "orders".into(),
                    internal: false,
                    partitions: vec![
                        partition(0, 1, &[1, 2], &[1, 2]),
                        partition(1, 2, &[2, 1], &[2]),
                        partition(2, -1, &[1], &[]),
                    ],
                },
            ],
        }
    }

    fn rows(out: &str) -> Vec<Vec<&str>> {
        out.lines()
            .map(|l| l.split_whitespace().collect())
            .collect()
    }

    #[test]
    fn brokers_then_partitions_with_under_replicated_ones_flagged() {
        let out = render(&layout(), &[]).unwrap();
        let rows = rows(&out);
        assert_eq!(rows[0], vec!["broker", "address"]);
        assert_eq!(rows[1], vec!["1", "kafka-1:9092"]);
        assert_eq!(rows[2], vec!["2", "kafka-2:9093"]);
        assert_eq!(
            rows[4],
            vec!["topic", "partition", "leader", "replicas", "in-sync"]
        );
        assert_eq!(
            rows[5],
            vec!["__consumer_offsets", "(internal)", "0", "1", "1,2", "1,2"]
        );
        assert_eq!(rows[6], vec!["orders", "0", "1", "1,2", "1,2"]);
        assert_eq!(
            rows[7],
            vec!["orders", "1", "2", "2,1", "2", "under-replicated"]
        );
        assert_eq!(
            rows[8],
            vec!["orders", "2", "-", "1", "-", "under-replicated"],
            "no leader"
        );
    }

    #[test]
    fn only_the_topics_asked_for() {
        let out = render(&layout(), &["orders".to_owned()]).unwrap();
        assert!(!out.contains("__consumer_offsets"), "{out}");
        assert_eq!(out.lines().filter(|l| l.starts_with("orders")).count(), 3);
    }
}
