//! Cluster administration: topics.

mod error;

use std::time::Duration;

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::types::RDKafkaErrorCode;

pub use error::AdminError;

use crate::config::{producer_config, Config};

/// How long an admin request waits for the cluster.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Runs admin requests against the cluster of a [`Config`].
pub struct Admin {
    client: AdminClient<DefaultClientContext>,
}

impl Admin {
    /// An admin client for the brokers of `config`.
    ///
    /// # Errors
    /// [`AdminError::Create`] when the settings are refused.
    pub fn new(config: &Config) -> Result<Self, AdminError> {
        let client_config = producer_config(&config.kafka, &Default::default(), &config.client_id)
            .map_err(|error| AdminError::Create(error.to_string()))?;
        let client = client_config
            .create()
            .map_err(|error| AdminError::Create(error.to_string()))?;
        Ok(Self { client })
    }

    fn options() -> AdminOptions {
        AdminOptions::new().operation_timeout(Some(REQUEST_TIMEOUT))
    }

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
        let new_topic = NewTopic::new(
            topic,
            partitions,
            TopicReplication::Fixed(replication_factor),
        );
        let results = self
            .client
            .create_topics([&new_topic], &Self::options())
            .await
            .map_err(|error| AdminError::Request { error })?;
        topic_results(results)
    }

    /// Deletes `topic`.
    ///
    /// # Errors
    /// [`AdminError::Topic`] with the broker's reason (e.g. no such topic).
    pub async fn delete_topic(&self, topic: &str) -> Result<(), AdminError> {
        let results = self
            .client
            .delete_topics(&[topic], &Self::options())
            .await
            .map_err(|error| AdminError::Request { error })?;
        topic_results(results)
    }
}

fn topic_results(
    results: Vec<Result<String, (String, RDKafkaErrorCode)>>,
) -> Result<(), AdminError> {
    results.into_iter().try_for_each(|result| {
        result
            .map(drop)
            .map_err(|(topic, code)| AdminError::Topic { topic, code })
    })
}
