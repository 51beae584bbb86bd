//! Offsets: watermarks, a consumer group's lag, and moving a group's offsets.

use std::str::FromStr;
use std::time::UNIX_EPOCH;

use rdkafka::consumer::Consumer as _;
use rdkafka::{Offset, TopicPartitionList};

use super::{Admin, AdminError, CommittedOffsets, REQUEST_TIMEOUT};
use crate::offsets::SeekTarget;

/// How far a consumer group is behind on one partition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionLag {
    /// The topic.
    pub topic: String,
    /// The partition.
    pub partition: i32,
    /// The group's committed offset, if it committed one.
    pub committed: Option<i64>,
    /// The partition's end offset.
    pub high_watermark: i64,
    /// Messages between the committed offset (or the partition's start) and the end.
    pub lag: i64,
}

impl FromStr for SeekTarget {
    type Err = AdminError;

    /// `earliest`, `latest`, an offset (`42`) or an RFC 3339 time (`2026-11-25T10:00:00Z`).
    fn from_str(value: &str) -> Result<Self, AdminError> {
        match value {
            "earliest" => Ok(Self::Earliest),
            "latest" => Ok(Self::Latest),
            _ => value
                .parse()
                .map(Self::Offset)
                .or_else(|_| humantime::parse_rfc3339_weak(value).map(Self::Time))
                .map_err(|_| AdminError::InvalidTarget {
                    value: value.to_owned(),
                }),
        }
    }
}

impl Admin {
    /// The low and high watermarks of a partition.
    ///
    /// # Errors
    /// [`AdminError::Unreachable`] when the brokers do not answer.
    pub async fn watermarks(&self, topic: &str, partition: i32) -> Result<(i64, i64), AdminError> {
        let topic = topic.to_owned();
        self.blocking(move |admin| {
            admin
                .metadata
                .fetch_watermarks(&topic, partition, REQUEST_TIMEOUT)
                .map_err(|error| admin.unreachable(error))
        })
        .await
    }

    /// The number of partitions of `topic`.
    ///
    /// # Errors
    /// [`AdminError::UnknownTopic`] when it does not exist.
    pub async fn partition_count(&self, topic: &str) -> Result<i32, AdminError> {
        self.partition_counts()
            .await?
            .get(topic)
            .copied()
            .ok_or_else(|| AdminError::UnknownTopic {
                topic: topic.to_owned(),
            })
    }

    /// How far `group` is behind on every partition of `topic`.
    ///
    /// # Errors
    /// [`AdminError::UnknownTopic`], or [`AdminError::Unreachable`] when the brokers do not answer.
    pub async fn lag(&self, group: &str, topic: &str) -> Result<Vec<PartitionLag>, AdminError> {
        let partitions = self.partition_count(topic).await?;
        let (group, topic) = (group.to_owned(), topic.to_owned());
        self.blocking(move |admin| {
            let consumer = admin.group_consumer(&group)?;
            let committed = consumer
                .committed_offsets(partition_list(&topic, partitions), REQUEST_TIMEOUT)
                .map_err(|error| admin.unreachable(error))?;
            (0..partitions)
                .map(|partition| {
                    let (low, high) = admin
                        .metadata
                        .fetch_watermarks(&topic, partition, REQUEST_TIMEOUT)
                        .map_err(|error| admin.unreachable(error))?;
                    let committed = match committed
                        .find_partition(&topic, partition)
                        .map(|e| e.offset())
                    {
                        Some(Offset::Offset(offset)) => Some(offset),
                        _ => None,
                    };
                    Ok(PartitionLag {
                        topic: topic.clone(),
                        partition,
                        committed,
                        high_watermark: high,
                        lag: high - committed.unwrap_or(low).max(low),
                    })
                })
                .collect()
        })
        .await
    }

    /// How many members `group` has now (for classic-protocol groups; KIP-848 groups may report
    /// none, and the broker then refuses a seek's commit instead).
    ///
    /// # Errors
    /// [`AdminError::Unreachable`] when the brokers do not answer.
    pub async fn active_members(&self, group: &str) -> Result<usize, AdminError> {
        let group = group.to_owned();
        self.blocking(move |admin| {
            let groups = admin
                .metadata
                .fetch_group_list(Some(&group), REQUEST_TIMEOUT)
                .map_err(|error| admin.unreachable(error))?;
            Ok(groups
                .groups()
                .iter()
                .filter(|info| info.name() == group)
                .map(|info| info.members().len())
                .sum())
        })
        .await
    }

    /// Moves `group`'s committed offsets on every partition of `topic` to `target`: replay from an
    /// earlier point after a bug, or skip a flood. Returns the offset committed per partition.
    ///
    /// # Errors
    /// [`AdminError::ActiveMembers`] while the group has members (stop them first), or the
    /// broker's refusal.
    pub async fn seek_consumer_group(
        &self,
        group: &str,
        topic: &str,
        target: SeekTarget,
    ) -> Result<Vec<(i32, i64)>, AdminError> {
        self.refuse_active(group).await?;
        let partitions = self.partition_count(topic).await?;
        let resolved = topic.to_owned();
        let offsets = self
            .blocking(move |admin| admin.resolve_target(&resolved, partitions, target))
            .await?;
        let committed =
            CommittedOffsets::from([(topic.to_owned(), offsets.iter().copied().collect())]);
        self.commit(group, &committed).await?;
        Ok(offsets)
    }

    /// The offset `target` means on each partition, within the partition's watermarks.
    fn resolve_target(
        &self,
        topic: &str,
        partitions: i32,
        target: SeekTarget,
    ) -> Result<Vec<(i32, i64)>, AdminError> {
        let by_time = match target {
            SeekTarget::Time(time) => {
                let millis = time
                    .duration_since(UNIX_EPOCH)
                    .map(|d| d.as_millis() as i64)
                    .unwrap_or_default();
                let mut list = TopicPartitionList::new();
                for partition in 0..partitions {
                    list.add_partition_offset(topic, partition, Offset::Offset(millis))
                        .map_err(AdminError::request)?;
                }
                Some(
                    self.metadata
                        .offsets_for_times(list, REQUEST_TIMEOUT)
                        .map_err(|error| self.unreachable(error))?,
                )
            }
            _ => None,
        };
        (0..partitions)
            .map(|partition| {
                let (low, high) = self
                    .metadata
                    .fetch_watermarks(topic, partition, REQUEST_TIMEOUT)
                    .map_err(|error| self.unreachable(error))?;
                let offset = match target {
                    SeekTarget::Earliest => low,
                    SeekTarget::Latest => high,
                    SeekTarget::Offset(offset) => offset.clamp(low, high),
                    SeekTarget::Time(_) => match by_time
                        .as_ref()
                        .and_then(|list| list.find_partition(topic, partition))
                        .map(|element| element.offset())
                    {
                        Some(Offset::Offset(offset)) => offset,
                        _ => high,
                    },
                };
                Ok((partition, offset))
            })
            .collect()
    }
}

fn partition_list(topic: &str, partitions: i32) -> TopicPartitionList {
    let mut list = TopicPartitionList::new();
    for partition in 0..partitions {
        list.add_partition(topic, partition);
    }
    list
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn targets_parse_from_the_command_line() {
        assert_eq!(
            "earliest".parse::<SeekTarget>().unwrap(),
            SeekTarget::Earliest
        );
        assert_eq!("latest".parse::<SeekTarget>().unwrap(), SeekTarget::Latest);
        assert_eq!("42".parse::<SeekTarget>().unwrap(), SeekTarget::Offset(42));
        assert_eq!(
            "1970-01-01T00:00:10Z".parse::<SeekTarget>().unwrap(),
            SeekTarget::Time(UNIX_EPOCH + Duration::from_secs(10))
        );
        let error = "yesterday".parse::<SeekTarget>().unwrap_err();
        assert!(error
            .to_string()
            .contains("`yesterday` is not a seek target"));
    }
}
