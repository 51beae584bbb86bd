//! `web install`: the topics the web UI reads and writes, bounded in time so they never grow
//! without limit.

use karafka::admin::{Admin, AdminError};
use karafka::routing::TopicConfig;
use karafka::App;
use rdkafka::types::RDKafkaErrorCode;

use crate::WebError;

/// One of the web UI's topics and how it is created.
#[derive(Debug, Clone)]
pub struct WebTopic {
    /// Its name (from the `[web]` settings).
    pub name: String,
    /// How long its records are kept, in milliseconds.
    pub retention_ms: u64,
}

/// A day, in milliseconds.
const DAY_MS: u64 = 86_400_000;

/// The web UI's topics for `app`: reports kept for a day (the UI reads `web.history` of them),
/// errors for three days, commands for a day.
pub fn topics(app: &App) -> Vec<WebTopic> {
    let web = &app.config().web;
    let history = u64::try_from(web.history.as_millis()).unwrap_or(u64::MAX);
    vec![
        WebTopic {
            name: web.reports_topic.clone(),
            retention_ms: DAY_MS.max(history),
        },
        WebTopic {
            name: web.errors_topic.clone(),
            retention_ms: 3 * DAY_MS,
        },
        WebTopic {
            name: web.commands_topic.clone(),
            retention_ms: DAY_MS,
        },
    ]
}

/// Creates the web UI's topics that do not exist: one partition each, the cluster's default
/// replication, time-bounded retention. Returns each topic and whether it was created.
///
/// # Errors
/// [`WebError::Admin`] when the cluster refuses or does not answer.
pub async fn install(app: &App) -> Result<Vec<(WebTopic, bool)>, WebError> {
    let admin = Admin::new(app.config())?;
    let existing = admin.partition_counts().await?;
    let mut outcome = Vec::new();
    for topic in topics(app) {
        if existing.contains_key(&topic.name) {
            outcome.push((topic, false));
            continue;
        }
        let config = TopicConfig::new()
            .partitions(1)
            .replication_factor(-1)
            .setting("cleanup.policy", "delete")
            .setting("retention.ms", topic.retention_ms);
        match admin.create_topic_with(&topic.name, &config).await {
            Ok(()) => outcome.push((topic, true)),
            // Another process created it meanwhile.
            Err(AdminError::Topic {
                code: RDKafkaErrorCode::TopicAlreadyExists,
                ..
            }) => {
                outcome.push((topic, false));
            }
            Err(error) => return Err(error.into()),
        }
    }
    Ok(outcome)
}
