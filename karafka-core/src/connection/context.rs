//! The librdkafka callbacks of a listener's consumer: logs, errors and rebalances.

use std::sync::{Arc, Mutex, OnceLock, PoisonError, Weak};
use std::time::Instant;

use rdkafka::client::ClientContext;
use rdkafka::config::RDKafkaLogLevel;
use rdkafka::consumer::{BaseConsumer, Consumer as _, ConsumerContext, Rebalance};
use rdkafka::error::KafkaError;
use rdkafka::TopicPartitionList;

use super::{CommitTurn, KafkaConsumer, Pulse};
use crate::config::{OAuthHook, Refusal, TokenResult};
use crate::instrumentation::statistics::Statistics;
use crate::instrumentation::{recovers_by_itself, ErrorKind, Event};
use crate::processing::{PartitionRegistry, Revocation};
use crate::TopicPartition;

/// Callbacks of one subscription group's consumer.
pub(crate) struct ListenerContext {
    name: String,
    registry: Arc<PartitionRegistry<KafkaConsumer>>,
    /// Set once the consumer exists; partition streams need an owning handle on it.
    consumer: OnceLock<Weak<KafkaConsumer>>,
    commit_turn: CommitTurn,
    /// librdkafka's latest statistics, for [`Context::insights`](crate::Context::insights).
    statistics: Mutex<Option<Arc<Statistics>>>,
    pulse: Arc<Pulse>,
    /// The first refusal of the brokers (credentials, mechanism, TLS) librdkafka reported.
    refusal: OnceLock<Refusal>,
    oauth: OAuthHook,
}

impl ListenerContext {
    pub(crate) fn new(
        name: String,
        registry: Arc<PartitionRegistry<KafkaConsumer>>,
        pulse: Arc<Pulse>,
        oauth: OAuthHook,
    ) -> Self {
        Self {
            name,
            registry,
            consumer: OnceLock::new(),
            commit_turn: CommitTurn::default(),
            statistics: Mutex::new(None),
            pulse,
            refusal: OnceLock::new(),
            oauth,
        }
    }

    /// The first refusal of the brokers librdkafka reported, if any.
    pub(crate) fn refusal(&self) -> Option<&Refusal> {
        self.refusal.get()
    }

    /// The subscription group's name.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// Taken by every commit of this consumer (see [`super::commit`]).
    pub(crate) fn commit_turn(&self) -> &CommitTurn {
        &self.commit_turn
    }

    /// Marks the member as leaving (or back) because of an overdue job.
    pub(crate) fn set_evicting(&self, evicting: bool) {
        self.pulse.set_evicting(evicting);
    }

    /// The member left its group because of an overdue job and has not rejoined yet.
    pub(crate) fn evicting(&self) -> bool {
        self.pulse.evicting()
    }

    pub(crate) fn attach(&self, consumer: &Arc<KafkaConsumer>) {
        // Only the listener that created the consumer attaches it, once.
        let _ = self.consumer.set(Arc::downgrade(consumer));
    }

    /// The consumer, while it is alive (not while it is being dropped).
    pub(crate) fn consumer(&self) -> Option<Arc<KafkaConsumer>> {
        self.consumer.get().and_then(Weak::upgrade)
    }

    /// librdkafka's latest statistics, once it reported any.
    pub(crate) fn statistics(&self) -> Option<Arc<Statistics>> {
        // Only ever replaced whole.
        self.statistics
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The partitions of this subscription group, on the processing side.
    pub(crate) fn registry(&self) -> &PartitionRegistry<KafkaConsumer> {
        &self.registry
    }
}

fn partitions(list: &TopicPartitionList) -> Vec<TopicPartition> {
    list.elements()
        .iter()
        .map(|element| TopicPartition::new(element.topic(), element.partition()))
        .collect()
}

impl ClientContext for ListenerContext {
    const ENABLE_REFRESH_OAUTH_TOKEN: bool = true;

    fn generate_oauth_token(&self, _config: Option<&str>) -> TokenResult {
        self.oauth.generate()
    }

    fn log(&self, level: RDKafkaLogLevel, facility: &str, message: &str) {
        crate::instrumentation::librdkafka_log(&self.name, level, facility, message);
    }

    fn error(&self, error: KafkaError, reason: &str) {
        crate::instrumentation::librdkafka_error(&self.name, &error, reason);
        if let Some(refusal) = Refusal::of(&error, reason) {
            // Only the first counts: the listener gives up on it.
            let _ = self.refusal.set(refusal);
        }
        if !recovers_by_itself(&error) {
            self.registry.monitor().emit(|| Event::ErrorOccurred {
                kind: ErrorKind::Librdkafka,
                partition: None,
                offset: None,
                error: format!("{error}: {reason}"),
                job: None,
            });
        }
    }

    fn stats(&self, statistics: rdkafka::Statistics) {
        let statistics = Arc::new(Statistics::from(&statistics));
        if let Some(group) = &statistics.group {
            self.pulse
                .reported_join_state(group.join_state == "steady", Instant::now());
        }
        *self
            .statistics
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(Arc::clone(&statistics));
        self.registry.monitor().emit(|| Event::StatisticsEmitted {
            group: self.name.clone(),
            statistics,
        });
    }
}

impl ConsumerContext for ListenerContext {
    fn pre_rebalance(&self, consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        match rebalance {
            Rebalance::Assign(list) => {
                self.registry.assigned(consumer, partitions(list));
                self.pulse.assignment_received();
            }
            Rebalance::Revoke(list) => {
                let how = if consumer.assignment_lost() {
                    Revocation::Lost
                } else if self.evicting() {
                    Revocation::Evicted
                } else {
                    Revocation::Graceful
                };
                self.registry.revoked(consumer, partitions(list), how);
            }
            Rebalance::Error(error) => {
                tracing::error!(group = %self.name, %error, "rebalance failed");
            }
        }
    }
}
