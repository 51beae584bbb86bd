//! The broker's acknowledgements of offset commits, one `tracing` event per partition.

use rdkafka::types::RDKafkaErrorCode;
use tracing::field::{Field, Visit};

/// The target of the events that report an acknowledged commit, at DEBUG level with the fields
/// `group`, `topic`, `partition` and `offset` (the next offset the group will consume), so that
/// `RUST_LOG=karafka::commits=debug` shows the group's progress as the broker recorded it.
/// [`AcknowledgedCommit::from_event`] reads them back in a `tracing` layer of the app's own.
pub const COMMITS_TARGET: &str = "karafka::commits";

/// A commit the broker acknowledged, as its event reports it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AcknowledgedCommit {
    /// The consumer group's subscription group (`group_id/name`).
    pub group: String,
    /// The topic.
    pub topic: String,
    /// The partition.
    pub partition: i32,
    /// The next offset the group will consume from the partition.
    pub offset: i64,
}

impl AcknowledgedCommit {
    /// The commit `event` reports; `None` for every other event.
    ///
    /// ```
    /// use karafka::instrumentation::AcknowledgedCommit;
    /// use tracing_subscriber::layer::{Context, Layer};
    ///
    /// /// Prints every acknowledged commit.
    /// struct Commits;
    ///
    /// impl<S: tracing::Subscriber> Layer<S> for Commits {
    ///     fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
    ///         if let Some(commit) = AcknowledgedCommit::from_event(event) {
    ///             println!("{}/{} at {}", commit.topic, commit.partition, commit.offset);
    ///         }
    ///     }
    /// }
    /// ```
    pub fn from_event(event: &tracing::Event<'_>) -> Option<Self> {
        let metadata = event.metadata();
        if metadata.target() != COMMITS_TARGET || *metadata.level() != tracing::Level::DEBUG {
            return None;
        }
        let mut fields = Fields::default();
        event.record(&mut fields);
        Some(Self {
            group: fields.group?,
            topic: fields.topic?,
            partition: i32::try_from(fields.partition?).ok()?,
            offset: fields.offset?,
        })
    }
}

#[derive(Default)]
struct Fields {
    group: Option<String>,
    topic: Option<String>,
    partition: Option<i64>,
    offset: Option<i64>,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "group" => self.group = Some(value.to_owned()),
            "topic" => self.topic = Some(value.to_owned()),
            _ => {}
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        match field.name() {
            "partition" => self.partition = Some(value),
            "offset" => self.offset = Some(value),
            _ => {}
        }
    }

    fn record_debug(&mut self, _: &Field, _: &dyn std::fmt::Debug) {}
}

/// Reports that the broker refused `group`'s commit of `topic`/`partition`.
pub(crate) fn commit_refused(group: &str, topic: &str, partition: i32, error: RDKafkaErrorCode) {
    tracing::warn!(
        target: COMMITS_TARGET,
        group,
        topic,
        partition,
        %error,
        "The commit of {topic}/{partition} was refused; the runtime commits it again on its next interval"
    );
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use tracing_subscriber::layer::{Context, SubscriberExt as _};
    use tracing_subscriber::Layer;

    use super::*;
    use crate::instrumentation::{Event, Listener, Logger};
    use crate::TopicPartition;

    #[derive(Clone, Default)]
    struct Recorder(Arc<Mutex<Vec<AcknowledgedCommit>>>);

    impl<S: tracing::Subscriber> Layer<S> for Recorder {
        fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
            if let Some(commit) = AcknowledgedCommit::from_event(event) {
                self.0
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(commit);
            }
        }
    }

    #[test]
    fn an_acknowledged_commit_is_reported_and_read_back() {
        let recorder = Recorder::default();
        let subscriber = tracing_subscriber::registry().with(recorder.clone());
        tracing::subscriber::with_default(subscriber, || {
            // The built-in logger writes the line an acknowledged commit's event stands for.
            Logger.on_event(&Event::CommitAcknowledged {
                group: "app/default".into(),
                partition: TopicPartition::new("orders", 0),
                offset: 42,
            });
            commit_refused(
                "app/default",
                "orders",
                1,
                RDKafkaErrorCode::RebalanceInProgress,
            );
            tracing::debug!(target: COMMITS_TARGET, partition = 3, "not a commit");
            tracing::debug!(group = "app", topic = "orders", partition = 3, offset = 1);
        });
        assert_eq!(
            *recorder.0.lock().unwrap(),
            [AcknowledgedCommit {
                group: "app/default".into(),
                topic: "orders".into(),
                partition: 0,
                offset: 42,
            }]
        );
    }
}
