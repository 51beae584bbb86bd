//! The callbacks of the admin's metadata client: its librdkafka logs and errors go to `tracing`,
//! and a refusal by the brokers (credentials, SASL mechanism, TLS) is kept, so a request that
//! failed for it says so instead of "cannot reach the brokers".

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use rdkafka::client::ClientContext;
use rdkafka::config::RDKafkaLogLevel;
use rdkafka::consumer::{BaseConsumer, Consumer as _, ConsumerContext};
use rdkafka::error::KafkaError;

use crate::config::Refusal;
use crate::instrumentation::{librdkafka_error, librdkafka_log};

/// The client the admin reads metadata, watermarks and offsets with.
pub(super) type MetadataConsumer = BaseConsumer<AdminContext>;

/// How many queued events one look for a refusal serves at most: nothing polls the client
/// otherwise, so its queue holds every error since the last look.
const EVENTS_PER_LOOK: usize = 1_000;

/// How long one poll waits for the next queued event (a poll that may not wait at all returned
/// none of them in a test).
const EVENT_WAIT: Duration = Duration::from_millis(10);

/// Callbacks of the metadata client; clones share what they saw.
#[derive(Clone, Default)]
pub(super) struct AdminContext {
    refusal: Arc<OnceLock<Refusal>>,
}

impl AdminContext {
    /// The first refusal the brokers answered `client` with, after serving the errors queued
    /// on it (their callbacks run only when served).
    pub(super) fn refusal(client: &MetadataConsumer) -> Option<Refusal> {
        for _ in 0..EVENTS_PER_LOOK {
            if client.poll(EVENT_WAIT).is_none() {
                break;
            }
        }
        client.context().refusal.get().cloned()
    }
}

impl ClientContext for AdminContext {
    fn log(&self, level: RDKafkaLogLevel, facility: &str, message: &str) {
        librdkafka_log("admin", level, facility, message);
    }

    fn error(&self, error: KafkaError, reason: &str) {
        librdkafka_error("admin", &error, reason);
        if let Some(refusal) = Refusal::of(&error, reason) {
            let _ = self.refusal.set(refusal);
        }
    }
}

impl ConsumerContext for AdminContext {}
