//! Turning routes and settings into what the runtime runs: subscription groups of topic routes.

use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::topic::ConsumerFactory;
use super::{ConsumerGroup, Routes, RoutingError, Topic};
use crate::config::{Config, InitialOffset, KafkaSettings};
use crate::messages::PayloadDecoder;
use crate::middleware::StackLayer;
use crate::processing::Backoff;

/// One routed topic with every setting decided.
pub(crate) struct TopicRoute {
    pub(crate) name: String,
    pub(crate) consumer_group: String,
    pub(crate) consumer: ConsumerFactory,
    pub(crate) consumer_name: &'static str,
    pub(crate) max_messages: usize,
    pub(crate) max_wait_time: Duration,
    pub(crate) manual_offset_management: bool,
    pub(crate) backoff: Backoff,
    pub(crate) decoder: PayloadDecoder,
    pub(crate) layers: Vec<StackLayer>,
}

impl fmt::Debug for TopicRoute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TopicRoute")
            .field("name", &self.name)
            .field("consumer_group", &self.consumer_group)
            .field("consumer", &self.consumer_name)
            .field("max_messages", &self.max_messages)
            .field("max_wait_time", &self.max_wait_time)
            .field("manual_offset_management", &self.manual_offset_management)
            .finish_non_exhaustive()
    }
}

/// Topics of one consumer group that share a connection (one librdkafka consumer).
#[derive(Debug)]
pub(crate) struct SubscriptionGroup {
    /// `<consumer group>/<subscription group>`, for logs and thread names.
    pub(crate) name: String,
    pub(crate) group_id: String,
    pub(crate) kafka: KafkaSettings,
    pub(crate) initial_offset: InitialOffset,
    pub(crate) topics: Vec<Arc<TopicRoute>>,
}

impl SubscriptionGroup {
    pub(crate) fn topic(&self, name: &str) -> Option<&Arc<TopicRoute>> {
        self.topics.iter().find(|topic| topic.name == name)
    }

    pub(crate) fn topic_names(&self) -> Vec<String> {
        self.topics.iter().map(|topic| topic.name.clone()).collect()
    }
}

impl Routes {
    /// Checks the routes against `config` and groups the active topics into subscription groups.
    pub(crate) fn resolve(self, config: &Config) -> Result<Vec<SubscriptionGroup>, RoutingError> {
        let mut groups = Vec::new();
        if !self.default_topics.is_empty() {
            groups.push(ConsumerGroup {
                name: config.group_id.clone(),
                topics: self.default_topics,
            });
        }
        groups.extend(self.groups);
        let groups = merge_same_name(groups);

        let mut subscriptions = Vec::new();
        for group in groups {
            check_name(&group.name)?;
            let mut seen = HashSet::new();
            let mut buckets: Vec<(SubscriptionKey, SubscriptionGroup)> = Vec::new();
            for topic in group.topics {
                check_name(&topic.name)?;
                if !seen.insert(topic.name.clone()) {
                    return Err(RoutingError::DuplicateTopic {
                        topic: topic.name,
                        group: group.name,
                    });
                }
                if !topic.active {
                    continue;
                }
                let key = SubscriptionKey {
                    name: topic.subscription_group.clone(),
                    kafka: topic.kafka.clone(),
                    initial_offset: topic.initial_offset,
                };
                let route = Arc::new(resolve_topic(topic, &group.name, config)?);
                match buckets.iter_mut().find(|(existing, _)| *existing == key) {
                    Some((_, subscription)) => subscription.topics.push(route),
                    None => {
                        let subscription =
                            key.subscription_group(&group.name, buckets.len(), route, config);
                        buckets.push((key, subscription));
                    }
                }
            }
            subscriptions.extend(buckets.into_iter().map(|(_, subscription)| subscription));
        }
        if subscriptions.is_empty() {
            return Err(RoutingError::Empty);
        }
        Ok(subscriptions)
    }
}

/// What puts two topics of a consumer group on one connection: the same subscription group name
/// (or none) and the same librdkafka settings.
#[derive(PartialEq)]
struct SubscriptionKey {
    name: Option<String>,
    kafka: KafkaSettings,
    initial_offset: Option<InitialOffset>,
}

impl SubscriptionKey {
    fn subscription_group(
        &self,
        group: &str,
        index: usize,
        first: Arc<TopicRoute>,
        config: &Config,
    ) -> SubscriptionGroup {
        let name = self.name.as_deref().unwrap_or("default");
        SubscriptionGroup {
            name: format!("{group}/{name}_{index}"),
            group_id: group.to_owned(),
            kafka: config.kafka.merged(&self.kafka),
            initial_offset: self.initial_offset.unwrap_or(config.initial_offset),
            topics: vec![first],
        }
    }
}

/// Groups declared twice under one name (e.g. the default group named explicitly) are one group.
fn merge_same_name(groups: Vec<ConsumerGroup>) -> Vec<ConsumerGroup> {
    let mut merged: Vec<ConsumerGroup> = Vec::new();
    for group in groups {
        match merged.iter_mut().find(|g| g.name == group.name) {
            Some(existing) => existing.topics.extend(group.topics),
            None => merged.push(group),
        }
    }
    merged
}

fn resolve_topic(topic: Topic, group: &str, config: &Config) -> Result<TopicRoute, RoutingError> {
    let Some((consumer, consumer_name)) = topic.consumer else {
        return Err(RoutingError::MissingConsumer { topic: topic.name });
    };
    let max_messages = topic.max_messages.unwrap_or(config.max_messages);
    if max_messages == 0 {
        return Err(RoutingError::InvalidSetting {
            topic: topic.name,
            key: "max_messages",
            value: "0".into(),
            expected: "must be at least 1",
        });
    }
    Ok(TopicRoute {
        name: topic.name,
        consumer_group: group.to_owned(),
        consumer,
        consumer_name,
        max_messages,
        max_wait_time: topic.max_wait_time.unwrap_or(config.max_wait_time),
        manual_offset_management: topic.manual_offset_management,
        backoff: Backoff::from_config(config),
        decoder: topic.decoder,
        layers: topic.layers,
    })
}

/// Kafka's rule for topic and group names used in routes: 1 to 249 of `[a-zA-Z0-9._-]`.
fn check_name(name: &str) -> Result<(), RoutingError> {
    let reason = if name.is_empty() {
        Some("must not be empty")
    } else if name.len() > 249 {
        Some("must be at most 249 characters")
    } else if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        Some("may contain only ASCII letters, digits, '.', '_' and '-'")
    } else {
        None
    };
    match reason {
        Some(reason) => Err(RoutingError::InvalidName {
            name: name.to_owned(),
            reason,
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use async_trait::async_trait;

    use super::*;
    use crate::Context;

    #[derive(Default)]
    struct Noop;

    #[async_trait]
    impl crate::Consumer for Noop {
        async fn consume(&mut self, _: &mut Context) -> anyhow::Result<()> {
            Ok(())
        }
    }

    fn topic(name: &str) -> Topic {
        Topic::new(name).consumer::<Noop>()
    }

    fn layout(routes: Routes) -> Vec<(String, String, Vec<String>)> {
        routes
            .resolve(&Config::default())
            .unwrap()
            .into_iter()
            .map(|group| {
                (
                    group.name.clone(),
                    group.group_id.clone(),
                    group.topic_names(),
                )
            })
            .collect()
    }

    #[test]
    fn topics_share_a_connection_unless_their_kafka_settings_or_group_differ() {
        let routes = Routes::new()
            .topic(topic("a"))
            .topic(topic("b"))
            .topic(topic("c").kafka("fetch.max.bytes", 1000))
            .topic(topic("d").subscription_group("slow"))
            .topic(topic("e").initial_offset(InitialOffset::Latest))
            .consumer_group(ConsumerGroup::new("audit").topic(topic("a")));
        assert_eq!(
            layout(routes),
            vec![
                (
                    "app/default_0".into(),
                    "app".into(),
                    vec!["a".into(), "b".into()]
                ),
                ("app/default_1".into(), "app".into(), vec!["c".into()]),
                ("app/slow_2".into(), "app".into(), vec!["d".into()]),
                ("app/default_3".into(), "app".into(), vec!["e".into()]),
                ("audit/default_0".into(), "audit".into(), vec!["a".into()]),
            ]
        );
    }

    #[test]
    fn a_group_named_like_the_default_merges_with_it_and_inactive_topics_are_left_out() {
        let routes = Routes::new()
            .topic(topic("a"))
            .topic(topic("off").active(false))
            .consumer_group(ConsumerGroup::new("app").topic(topic("b")));
        assert_eq!(
            layout(routes),
            vec![(
                "app/default_0".into(),
                "app".into(),
                vec!["a".into(), "b".into()]
            )]
        );
    }

    fn error(routes: Routes) -> String {
        routes.resolve(&Config::default()).unwrap_err().to_string()
    }

    #[test]
    fn mistakes_are_named() {
        assert!(error(Routes::new()).contains("no active topic"));
        assert!(error(Routes::new().topic(Topic::new("bare"))).contains("`bare` has no consumer"));
        assert!(error(Routes::new().topic(topic("x")).topic(topic("x")))
            .contains("`x` is routed twice in consumer group `app`"));
        assert!(error(Routes::new().topic(topic("bad name"))).contains("`bad name`"));
        assert!(error(Routes::new().topic(topic("z").max_messages(0))).contains("max_messages"));
    }
}
