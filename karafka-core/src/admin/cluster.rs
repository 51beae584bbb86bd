//! The cluster's layout: brokers, and each topic's partitions with their leader, replicas and
//! in-sync replicas; and where a time falls in a topic.

use std::collections::BTreeMap;

use rdkafka::consumer::Consumer as _;
use rdkafka::{Offset, TopicPartitionList};

use super::{Admin, AdminError, REQUEST_TIMEOUT};

/// The brokers and topics of a cluster, as its metadata says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterLayout {
    /// The brokers, by id.
    pub brokers: Vec<BrokerInfo>,
    /// The topics, by name (internal topics included: tools flag them with
    /// [`TopicLayout::internal`]).
    pub topics: Vec<TopicLayout>,
}

/// One broker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokerInfo {
    /// Its node id.
    pub id: i32,
    /// Its advertised host.
    pub host: String,
    /// Its advertised port.
    pub port: i32,
}

/// One topic and its partitions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicLayout {
    /// Its name.
    pub name: String,
    /// Whether it is internal to Kafka (its name starts with `__`).
    pub internal: bool,
    /// Its partitions, by id.
    pub partitions: Vec<PartitionLayout>,
}

/// One partition's replicas.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionLayout {
    /// Its id.
    pub id: i32,
    /// The broker that leads it (-1 when none does).
    pub leader: i32,
    /// The brokers holding a replica.
    pub replicas: Vec<i32>,
    /// The replicas in sync with the leader.
    pub in_sync: Vec<i32>,
}

impl PartitionLayout {
    /// Whether some replica is out of sync (or no broker leads it).
    pub fn under_replicated(&self) -> bool {
        self.leader < 0 || self.in_sync.len() < self.replicas.len()
    }
}

impl Admin {
    /// The brokers, topics, partitions, leaders, replicas and in-sync replicas of the cluster.
    ///
    /// # Errors
    /// [`AdminError::Unreachable`] when the brokers do not answer.
    pub async fn cluster(&self) -> Result<ClusterLayout, AdminError> {
        self.blocking(|admin| {
            let metadata = admin
                .metadata
                .fetch_metadata(None, REQUEST_TIMEOUT)
                .map_err(|error| admin.unreachable(error))?;
            let mut brokers: Vec<BrokerInfo> = metadata
                .brokers()
                .iter()
                .map(|broker| BrokerInfo {
                    id: broker.id(),
                    host: broker.host().to_owned(),
                    port: broker.port(),
                })
                .collect();
            brokers.sort_by_key(|broker| broker.id);
            let mut topics: Vec<TopicLayout> = metadata
                .topics()
                .iter()
                .filter(|topic| topic.error().is_none())
                .map(|topic| {
                    let mut partitions: Vec<PartitionLayout> = topic
                        .partitions()
                        .iter()
                        .map(|partition| PartitionLayout {
                            id: partition.id(),
                            leader: partition.leader(),
                            replicas: partition.replicas().to_vec(),
                            in_sync: partition.isr().to_vec(),
                        })
                        .collect();
                    partitions.sort_by_key(|partition| partition.id);
                    TopicLayout {
                        name: topic.name().to_owned(),
                        internal: topic.name().starts_with("__"),
                        partitions,
                    }
                })
                .collect();
            topics.sort_by(|a, b| a.name.cmp(&b.name));
            Ok(ClusterLayout { brokers, topics })
        })
        .await
    }

    /// For each partition of `topic`, the offset of its first message at or after `time_ms`
    /// (milliseconds since the Unix epoch), or its end when every message is older.
    ///
    /// # Errors
    /// [`AdminError::UnknownTopic`] when it does not exist, [`AdminError::Unreachable`] when
    /// the brokers do not answer.
    pub async fn offsets_for_time(
        &self,
        topic: &str,
        time_ms: i64,
    ) -> Result<BTreeMap<i32, i64>, AdminError> {
        let partitions = self.partition_count(topic).await?;
        let topic = topic.to_owned();
        self.blocking(move |admin| {
            let mut list = TopicPartitionList::new();
            for partition in 0..partitions {
                list.add_partition_offset(&topic, partition, Offset::Offset(time_ms))
                    .map_err(AdminError::request)?;
            }
            let found = admin
                .metadata
                .offsets_for_times(list, REQUEST_TIMEOUT)
                .map_err(|error| admin.unreachable(error))?;
            let mut offsets = BTreeMap::new();
            for element in found.elements() {
                let offset = match element.offset() {
                    Offset::Offset(offset) => offset,
                    // No message at or after the time: start at the end.
                    _ => {
                        admin
                            .metadata
                            .fetch_watermarks(&topic, element.partition(), REQUEST_TIMEOUT)
                            .map_err(|error| admin.unreachable(error))?
                            .1
                    }
                };
                offsets.insert(element.partition(), offset);
            }
            Ok(offsets)
        })
        .await
    }
}
