//! What it takes to make the cluster match the declared topics. Pure: compares, changes nothing.

use std::collections::BTreeMap;
use std::fmt;

use super::AdminError;
use crate::routing::TopicConfig;

/// A topic as it exists in the cluster.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClusterTopic {
    /// Its partition count.
    pub partitions: i32,
    /// Its topic-level settings (current values).
    pub settings: BTreeMap<String, String>,
}

/// One step towards the declared topics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TopicChange {
    /// Create a missing topic.
    Create {
        /// The topic.
        topic: String,
        /// How to create it.
        config: TopicConfig,
    },
    /// Add partitions.
    Repartition {
        /// The topic.
        topic: String,
        /// Partitions now.
        from: i32,
        /// Partitions declared.
        to: i32,
    },
    /// Change a topic-level setting.
    Align {
        /// The topic.
        topic: String,
        /// The setting.
        key: String,
        /// Its value now.
        from: Option<String>,
        /// Its declared value.
        to: String,
    },
}

impl TopicChange {
    /// The topic this change is about.
    pub fn topic(&self) -> &str {
        match self {
            Self::Create { topic, .. }
            | Self::Repartition { topic, .. }
            | Self::Align { topic, .. } => topic,
        }
    }
}

impl fmt::Display for TopicChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Create { topic, config } => write!(f, "+ create {topic}: {config}"),
            Self::Repartition { topic, from, to } => {
                write!(f, "~ repartition {topic}: {from} -> {to} partitions")
            }
            Self::Align {
                topic,
                key,
                from,
                to,
            } => write!(
                f,
                "~ align {topic}: {key} {} -> {to}",
                from.as_deref().unwrap_or("(unset)")
            ),
        }
    }
}

/// The changes that make `cluster` match `declared`, creations first.
///
/// # Errors
/// [`AdminError::PartitionDecrease`] when a topic declares fewer partitions than it has.
pub fn plan<'a>(
    declared: impl IntoIterator<Item = (&'a str, &'a TopicConfig)>,
    cluster: &BTreeMap<String, ClusterTopic>,
) -> Result<Vec<TopicChange>, AdminError> {
    let mut changes = Vec::new();
    for (topic, config) in declared {
        let Some(current) = cluster.get(topic) else {
            changes.push(TopicChange::Create {
                topic: topic.to_owned(),
                config: config.clone(),
            });
            continue;
        };
        match current.partitions.cmp(&config.partition_count()) {
            std::cmp::Ordering::Less => changes.push(TopicChange::Repartition {
                topic: topic.to_owned(),
                from: current.partitions,
                to: config.partition_count(),
            }),
            std::cmp::Ordering::Greater => {
                return Err(AdminError::PartitionDecrease {
                    topic: topic.to_owned(),
                    current: current.partitions,
                    declared: config.partition_count(),
                })
            }
            std::cmp::Ordering::Equal => {}
        }
        for (key, value) in config.settings() {
            let now = current.settings.get(key);
            if now != Some(value) {
                changes.push(TopicChange::Align {
                    topic: topic.to_owned(),
                    key: key.clone(),
                    from: now.cloned(),
                    to: value.clone(),
                });
            }
        }
    }
    changes.sort_by_key(|change| !matches!(change, TopicChange::Create { .. }));
    Ok(changes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `(name, partitions, settings)` of each topic in the cluster.
    type Entry<'a> = (&'a str, i32, &'a [(&'a str, &'a str)]);

    fn cluster(entries: &[Entry<'_>]) -> BTreeMap<String, ClusterTopic> {
        entries
            .iter()
            .map(|(name, partitions, settings)| {
                let settings = settings
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect();
                (
                    name.to_string(),
                    ClusterTopic {
                        partitions: *partitions,
                        settings,
                    },
                )
            })
            .collect()
    }

    #[test]
    fn missing_topics_are_created_smaller_ones_grown_and_settings_aligned() {
        let orders = TopicConfig::new()
            .partitions(6)
            .setting("cleanup.policy", "compact");
        let events = TopicConfig::new().partitions(3);
        let fresh = TopicConfig::new();
        let declared = [("orders", &orders), ("events", &events), ("fresh", &fresh)];
        let changes = plan(
            declared,
            &cluster(&[
                ("orders", 6, &[("cleanup.policy", "delete")]),
                ("events", 1, &[]),
            ]),
        )
        .unwrap();
        let lines: Vec<String> = changes.iter().map(ToString::to_string).collect();
        assert_eq!(
            lines,
            vec![
                "+ create fresh: 1 partition(s), replication factor 1",
                "~ align orders: cleanup.policy delete -> compact",
                "~ repartition events: 1 -> 3 partitions",
            ]
        );
    }

    #[test]
    fn a_matching_cluster_needs_no_change() {
        let orders = TopicConfig::new()
            .partitions(2)
            .setting("retention.ms", 1000);
        let changes = plan(
            [("orders", &orders)],
            &cluster(&[("orders", 2, &[("retention.ms", "1000")])]),
        )
        .unwrap();
        assert!(changes.is_empty());
    }

    #[test]
    fn shrinking_is_refused_by_name() {
        let small = TopicConfig::new().partitions(2);
        let error = plan([("big", &small)], &cluster(&[("big", 8, &[])])).unwrap_err();
        assert!(error
            .to_string()
            .contains("`big` has 8 partitions and cannot shrink to 2"));
    }
}
