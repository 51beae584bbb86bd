//! The figures kept from one statistics report.

use std::time::Duration;

use crate::TopicPartition;

/// One statistics report of a client. librdkafka's "unknown" (`-1`) is `None` here.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Statistics {
    /// The librdkafka handle's name (`name`), e.g. `my_app#consumer-1`.
    pub client: String,
    /// When librdkafka wrote the report, in seconds since the Unix epoch (`time`).
    pub written_at: i64,
    /// Partitions of the subscribed topics, assigned or not (see
    /// [`PartitionStatistics::assigned`]).
    pub partitions: Vec<PartitionStatistics>,
    /// Brokers the client knows.
    pub brokers: Vec<BrokerStatistics>,
    /// The consumer group, for a consumer.
    pub group: Option<GroupStatistics>,
}

impl Statistics {
    /// The figures of `partition`, if the report has them.
    pub fn partition(&self, partition: &TopicPartition) -> Option<&PartitionStatistics> {
        self.partitions
            .iter()
            .find(|figures| &figures.partition == partition)
    }
}

/// One partition's figures.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PartitionStatistics {
    /// The partition.
    pub partition: TopicPartition,
    /// This consumer owns the partition (`desired`).
    pub assigned: bool,
    /// The fetcher's state (`fetch_state`): `none`, `active`, `stopped`, `offset-query`, ...
    pub fetch_state: String,
    /// Messages between the committed offset and the end of the partition (`consumer_lag`).
    pub consumer_lag: Option<i64>,
    /// Messages between the stored offset and the end (`consumer_lag_stored`).
    pub consumer_lag_stored: Option<i64>,
    /// The offset the next commit carries (`stored_offset`).
    pub stored_offset: Option<i64>,
    /// The last offset the broker acknowledged a commit of (`committed_offset`).
    pub committed_offset: Option<i64>,
    /// The high watermark (`hi_offset`).
    pub high_watermark: Option<i64>,
    /// The low watermark (`lo_offset`).
    pub low_watermark: Option<i64>,
    /// The last stable offset (`ls_offset`), which `read_committed` consumers read up to.
    pub last_stable_offset: Option<i64>,
    /// Messages fetched and waiting in the client (`fetchq_cnt`).
    pub fetch_queue_messages: i64,
}

/// One broker's figures.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BrokerStatistics {
    /// librdkafka's name of the broker (`name`), e.g. `127.0.0.1:9092/1`.
    pub name: String,
    /// The broker's node id (`nodeid`); `None` for a bootstrap entry.
    pub node_id: Option<i32>,
    /// The connection's state (`state`): `UP`, `DOWN`, `CONNECT`, ...
    pub state: String,
    /// Mean round-trip time of requests in the last window (`rtt.avg`), if any were sent.
    pub rtt_mean: Option<Duration>,
    /// 99th percentile of that (`rtt.p99`).
    pub rtt_p99: Option<Duration>,
}

/// The consumer group's figures (`cgrp`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct GroupStatistics {
    /// The group handler's state (`state`): `up` once it talks to the coordinator.
    pub state: String,
    /// The member's join state (`join_state`): `steady` once it has its assignment.
    pub join_state: String,
    /// Time since the last rebalance (`rebalance_age`).
    pub rebalance_age: Duration,
    /// How many rebalances the member went through (`rebalance_cnt`).
    pub rebalances: i64,
    /// Partitions assigned to this member (`assignment_size`).
    pub assignment_size: i64,
}
