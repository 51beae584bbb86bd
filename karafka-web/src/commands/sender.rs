//! Sending a command.

use std::sync::atomic::{AtomicU64, Ordering};

use karafka::config::WebConfig;
use karafka::{Producer, Record};

use super::{now_millis, Command, CommandRecord, Envelope};
use crate::report::SCHEMA;
use crate::WebError;

/// Sends commands to processes through the commands topic.
#[derive(Clone)]
pub struct Commander {
    producer: Producer,
    topic: String,
}

impl Commander {
    /// Sends with `producer` to `web.commands_topic`.
    pub fn new(producer: Producer, web: &WebConfig) -> Self {
        Self {
            producer,
            topic: web.commands_topic.clone(),
        }
    }

    /// Sends `command` to the process `process_id` and waits for the broker's acknowledgement;
    /// returns the command's id, which the process's [`Answer`](super::Answer) names.
    ///
    /// # Errors
    /// [`WebError::Produce`] when the broker does not acknowledge it.
    pub async fn send(&self, process_id: &str, command: Command) -> Result<String, WebError> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let issued_at = now_millis();
        let id = format!(
            "{issued_at}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let record = Envelope::Command(CommandRecord {
            schema: SCHEMA,
            id: id.clone(),
            process_id: process_id.to_owned(),
            issued_at,
            command,
        });
        let payload = serde_json::to_vec(&record).map_err(|source| WebError::Encode {
            what: "command",
            source,
        })?;
        self.producer
            .produce_sync(Record::new(&self.topic, payload).key(process_id.as_bytes().to_vec()))
            .await?;
        Ok(id)
    }
}
