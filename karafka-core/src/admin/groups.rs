//! Consumer groups as a whole: which exist, what they committed, and copying, renaming and
//! deleting them (Karafka's `Admin::ConsumerGroups.copy`, `rename` and `delete`).

use std::collections::BTreeMap;

use rdkafka::consumer::{CommitMode, Consumer as _};
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::{Offset, TopicPartitionList};

use super::{Admin, AdminError, REQUEST_TIMEOUT};

/// A group's committed offsets: topic, then partition, then the offset it resumes from.
pub type CommittedOffsets = BTreeMap<String, BTreeMap<i32, i64>>;

/// A consumer group the cluster knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupListing {
    /// Its id.
    pub name: String,
    /// The broker's word for its state (`Stable`, `Empty`, `PreparingRebalance`, ...).
    pub state: String,
    /// How many members it has now.
    pub members: usize,
}

impl Admin {
    /// Every consumer group on the cluster, by name.
    ///
    /// # Errors
    /// [`AdminError::Unreachable`] when the brokers do not answer.
    pub async fn consumer_groups(&self) -> Result<Vec<GroupListing>, AdminError> {
        self.blocking(|admin| {
            let groups = admin
                .metadata
                .fetch_group_list(None, REQUEST_TIMEOUT)
                .map_err(|error| admin.unreachable(error))?;
            let mut listed: Vec<GroupListing> = groups
                .groups()
                .iter()
                .map(|group| GroupListing {
                    name: group.name().to_owned(),
                    state: group.state().to_owned(),
                    members: group.members().len(),
                })
                .collect();
            listed.sort_by(|a, b| a.name.cmp(&b.name));
            Ok(listed)
        })
        .await
    }

    /// The offsets `group` committed on `topics`; partitions without a committed offset are
    /// left out, and so are topics without any.
    ///
    /// # Errors
    /// [`AdminError::UnknownTopic`] when a topic does not exist, [`AdminError::Unreachable`]
    /// when the brokers do not answer.
    pub async fn committed_offsets(
        &self,
        group: &str,
        topics: &[&str],
    ) -> Result<CommittedOffsets, AdminError> {
        let counts = self.partition_counts().await?;
        let mut list = TopicPartitionList::new();
        for &topic in topics {
            let partitions =
                counts
                    .get(topic)
                    .copied()
                    .ok_or_else(|| AdminError::UnknownTopic {
                        topic: topic.to_owned(),
                    })?;
            for partition in 0..partitions {
                list.add_partition(topic, partition);
            }
        }
        let group = group.to_owned();
        self.blocking(move |admin| {
            let committed = admin
                .group_consumer(&group)?
                .committed_offsets(list, REQUEST_TIMEOUT)
                .map_err(|error| admin.unreachable(error))?;
            let mut offsets = CommittedOffsets::new();
            for element in committed.elements() {
                if let Offset::Offset(offset) = element.offset() {
                    offsets
                        .entry(element.topic().to_owned())
                        .or_default()
                        .insert(element.partition(), offset);
                }
            }
            Ok(offsets)
        })
        .await
    }

    /// Deletes `group` and every offset it committed.
    ///
    /// # Errors
    /// [`AdminError::ActiveMembers`] while it has members, [`AdminError::UnknownGroup`] when the
    /// cluster has no such group, [`AdminError::Group`] with any other refusal.
    pub async fn delete_consumer_group(&self, group: &str) -> Result<(), AdminError> {
        self.refuse_active(group).await?;
        let outcome = self
            .client()
            .await?
            .delete_groups(&[group], &Self::options())
            .await
            .map_err(AdminError::request)?;
        outcome.into_iter().try_for_each(|result| {
            result.map(drop).map_err(|(group, code)| match code {
                RDKafkaErrorCode::GroupIdNotFound => AdminError::UnknownGroup { group },
                code => AdminError::Group { group, code },
            })
        })
    }

    /// Commits for group `to` the offsets group `from` committed on `topics` (partitions `from`
    /// never committed are left as they are in `to`; `to`'s offsets on other topics stay).
    /// Returns what was committed.
    ///
    /// ```no_run
    /// # async fn copy(admin: karafka::admin::Admin) -> Result<(), karafka::admin::AdminError> {
    /// let copied = admin.copy_consumer_group("orders", "orders-v2", &["orders"]).await?;
    /// for (topic, partitions) in &copied {
    ///     println!("{topic}: {partitions:?}");
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`AdminError::SameGroup`] when `from` is `to`, [`AdminError::ActiveMembers`] while either
    /// group has members, [`AdminError::UnknownTopic`], [`AdminError::NothingCommitted`] when
    /// `from` committed nothing on `topics` (so nothing changes), or the broker's refusal.
    pub async fn copy_consumer_group(
        &self,
        from: &str,
        to: &str,
        topics: &[&str],
    ) -> Result<CommittedOffsets, AdminError> {
        if from == to {
            return Err(AdminError::SameGroup {
                group: from.to_owned(),
            });
        }
        self.refuse_active(from).await?;
        self.refuse_active(to).await?;
        let offsets = self.committed_offsets(from, topics).await?;
        if offsets.is_empty() {
            return Err(AdminError::NothingCommitted {
                group: from.to_owned(),
                topics: topics.iter().map(|&topic| topic.to_owned()).collect(),
            });
        }
        self.commit(to, &offsets).await?;
        Ok(offsets)
    }

    /// [`copy_consumer_group`](Self::copy_consumer_group), then deletes `from` (with all its
    /// offsets, on `topics` and any other topic). Returns what was copied. When nothing was
    /// committed, nothing is copied nor deleted.
    ///
    /// # Errors
    /// Those of [`copy_consumer_group`](Self::copy_consumer_group) and
    /// [`delete_consumer_group`](Self::delete_consumer_group).
    pub async fn rename_consumer_group(
        &self,
        from: &str,
        to: &str,
        topics: &[&str],
    ) -> Result<CommittedOffsets, AdminError> {
        let copied = self.copy_consumer_group(from, to, topics).await?;
        self.delete_consumer_group(from).await?;
        Ok(copied)
    }

    /// [`AdminError::ActiveMembers`] when `group` has members: their commits would overwrite
    /// what an admin request writes.
    pub(super) async fn refuse_active(&self, group: &str) -> Result<(), AdminError> {
        match self.active_members(group).await? {
            0 => Ok(()),
            members => Err(AdminError::ActiveMembers {
                group: group.to_owned(),
                members,
            }),
        }
    }

    /// Commits `offsets` for `group`, outside any membership (the group must have no members).
    pub(super) async fn commit(
        &self,
        group: &str,
        offsets: &CommittedOffsets,
    ) -> Result<(), AdminError> {
        let mut list = TopicPartitionList::new();
        for (topic, partitions) in offsets {
            for (&partition, &offset) in partitions {
                list.add_partition_offset(topic, partition, Offset::Offset(offset))
                    .map_err(AdminError::request)?;
            }
        }
        let group = group.to_owned();
        self.blocking(move |admin| {
            admin
                .group_consumer(&group)?
                .commit(&list, CommitMode::Sync)
                .map_err(AdminError::request)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    /// An admin whose brokers never answer: only checks made before any request can pass.
    fn offline() -> Admin {
        Admin::new(&Config::default().kafka("bootstrap.servers", "127.0.0.1:1")).unwrap()
    }

    #[tokio::test]
    async fn a_group_is_never_copied_or_renamed_onto_itself() {
        let admin = offline();
        for result in [
            admin.copy_consumer_group("orders", "orders", &["t"]).await,
            admin
                .rename_consumer_group("orders", "orders", &["t"])
                .await,
        ] {
            let error = result.unwrap_err();
            assert!(
                matches!(&error, AdminError::SameGroup { group } if group == "orders"),
                "{error:?}"
            );
        }
    }

    #[test]
    fn nothing_committed_names_the_group_and_topics() {
        let error = AdminError::NothingCommitted {
            group: "orders".into(),
            topics: vec!["a".into(), "b".into()],
        };
        assert_eq!(
            error.to_string(),
            "consumer group `orders` has no committed offsets on `a`, `b`: nothing to copy"
        );
        let none = AdminError::NothingCommitted {
            group: "orders".into(),
            topics: vec![],
        };
        assert!(none.to_string().contains("on no topic"), "{none}");
    }
}
