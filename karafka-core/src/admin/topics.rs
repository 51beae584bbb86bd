//! Topics: create, delete, add partitions, read and change topic-level settings.

use std::collections::BTreeMap;

use rdkafka::admin::{
    AlterConfig, ConfigSource, NewPartitions, NewTopic, ResourceSpecifier, TopicReplication,
    TopicResult,
};
use rdkafka::consumer::Consumer as _;

use super::{Admin, AdminError, ClusterTopic, REQUEST_TIMEOUT};
use crate::routing::TopicConfig;

fn results(results: Vec<TopicResult>) -> Result<(), AdminError> {
    results.into_iter().try_for_each(|result| {
        result
            .map(drop)
            .map_err(|(topic, code)| AdminError::Topic { topic, code })
    })
}

impl Admin {
    /// Creates `topic` with `partitions` partitions and `replication_factor` replicas.
    ///
    /// # Errors
    /// [`AdminError::Topic`] with the broker's reason (e.g. the topic exists).
    pub async fn create_topic(
        &self,
        topic: &str,
        partitions: i32,
        replication_factor: i32,
    ) -> Result<(), AdminError> {
        let config = TopicConfig::new()
            .partitions(partitions)
            .replication_factor(replication_factor);
        self.create_topic_with(topic, &config).await
    }

    /// Creates `topic` as `config` declares it.
    ///
    /// # Errors
    /// [`AdminError::Topic`] with the broker's reason (e.g. the topic exists).
    pub async fn create_topic_with(
        &self,
        topic: &str,
        config: &TopicConfig,
    ) -> Result<(), AdminError> {
        let new_topic = config.settings().iter().fold(
            NewTopic::new(
                topic,
                config.partition_count(),
                TopicReplication::Fixed(config.replicas()),
            ),
            |new_topic, (key, value)| new_topic.set(key, value),
        );
        let outcome = self
            .client()
            .await?
            .create_topics([&new_topic], &Self::options())
            .await
            .map_err(AdminError::request)?;
        results(outcome)
    }

    /// Deletes `topic`.
    ///
    /// # Errors
    /// [`AdminError::Topic`] with the broker's reason (e.g. no such topic).
    pub async fn delete_topic(&self, topic: &str) -> Result<(), AdminError> {
        let outcome = self
            .client()
            .await?
            .delete_topics(&[topic], &Self::options())
            .await
            .map_err(AdminError::request)?;
        results(outcome)
    }

    /// Grows `topic` to `partitions` partitions in total.
    ///
    /// # Errors
    /// [`AdminError::Topic`] with the broker's reason (e.g. fewer partitions than now).
    pub async fn create_partitions(&self, topic: &str, partitions: i32) -> Result<(), AdminError> {
        let count = usize::try_from(partitions).unwrap_or_default();
        let outcome = self
            .client()
            .await?
            .create_partitions([&NewPartitions::new(topic, count)], &Self::options())
            .await
            .map_err(AdminError::request)?;
        results(outcome)
    }

    /// Every topic of the cluster with its partition count (internal topics left out).
    ///
    /// # Errors
    /// [`AdminError::Unreachable`] when the brokers do not answer.
    pub async fn partition_counts(&self) -> Result<BTreeMap<String, i32>, AdminError> {
        self.blocking(|admin| {
            let metadata = admin
                .metadata
                .fetch_metadata(None, REQUEST_TIMEOUT)
                .map_err(|error| admin.unreachable(error))?;
            Ok(metadata
                .topics()
                .iter()
                .filter(|topic| !topic.name().starts_with("__") && topic.error().is_none())
                .map(|topic| (topic.name().to_owned(), topic.partitions().len() as i32))
                .collect())
        })
        .await
    }

    /// The topic-level settings of `topic` that differ from the broker's defaults, and every
    /// setting named in `keys`, with their current values.
    ///
    /// # Errors
    /// [`AdminError::Topic`] when the topic does not exist.
    pub async fn topic_settings(
        &self,
        topic: &str,
        keys: &[&str],
    ) -> Result<BTreeMap<String, String>, AdminError> {
        let specifier = ResourceSpecifier::Topic(topic);
        let described = self
            .client()
            .await?
            .describe_configs([&specifier], &Self::options())
            .await
            .map_err(AdminError::request)?;
        let mut settings = BTreeMap::new();
        for resource in described {
            let resource = resource.map_err(|code| AdminError::Topic {
                topic: topic.to_owned(),
                code,
            })?;
            for entry in resource.entries {
                let wanted = keys.contains(&entry.name.as_str());
                if wanted || matches!(entry.source, ConfigSource::DynamicTopic) {
                    if let Some(value) = entry.value {
                        settings.insert(entry.name, value);
                    }
                }
            }
        }
        Ok(settings)
    }

    /// Sets `changes` on `topic`, keeping its other overridden settings (Kafka's AlterConfigs
    /// replaces the whole set, so the current overrides are sent along).
    ///
    /// # Errors
    /// [`AdminError::Topic`] with the broker's reason (e.g. an unknown setting).
    pub async fn alter_topic_settings(
        &self,
        topic: &str,
        changes: &BTreeMap<String, String>,
    ) -> Result<(), AdminError> {
        let mut settings = self.topic_settings(topic, &[]).await?;
        settings.extend(changes.clone());
        let alter = settings.iter().fold(
            AlterConfig::new(ResourceSpecifier::Topic(topic)),
            |alter, (key, value)| alter.set(key, value),
        );
        let outcome = self
            .client()
            .await?
            .alter_configs([&alter], &Self::options())
            .await
            .map_err(AdminError::request)?;
        outcome.into_iter().try_for_each(|result| {
            result.map(drop).map_err(|(_, code)| AdminError::Topic {
                topic: topic.to_owned(),
                code,
            })
        })
    }

    /// The declared topics' current state in the cluster, for [`plan`](super::plan): partition
    /// counts, and the values of the settings they declare.
    ///
    /// # Errors
    /// [`AdminError::Unreachable`] when the brokers do not answer.
    pub async fn cluster_topics<'a>(
        &self,
        declared: impl IntoIterator<Item = (&'a str, &'a TopicConfig)>,
    ) -> Result<BTreeMap<String, ClusterTopic>, AdminError> {
        let counts = self.partition_counts().await?;
        let mut cluster = BTreeMap::new();
        for (topic, config) in declared {
            let Some(&partitions) = counts.get(topic) else {
                continue;
            };
            let keys: Vec<&str> = config.settings().keys().map(String::as_str).collect();
            let settings = self.topic_settings(topic, &keys).await?;
            cluster.insert(
                topic.to_owned(),
                ClusterTopic {
                    partitions,
                    settings,
                },
            );
        }
        Ok(cluster)
    }
}
