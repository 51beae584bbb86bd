//! Several connections for one subscription group (Karafka's multiplexing).

use std::collections::HashMap;

use super::{ConsumerGroup, RoutingError, Subscription};

/// Runs a subscription group on `connections` librdkafka consumers in one process (Karafka's
/// `multiplexing(max: N)`): each joins the consumer group as a member of its own, with the same
/// `group.id`, so Kafka spreads the partitions among them; all share the process's worker pool
/// (`concurrency`). More connections fetch in parallel, past what one consumer's fetcher
/// delivers; connections beyond the partition count get nothing to do.
///
/// The number is static: Karafka's dynamic multiplexing (`min`, `boot`: connections added and
/// removed as partitions come and go) is not offered.
///
/// ```
/// use karafka::routing::{Multiplexing, SubscriptionGroup};
/// # use karafka::{async_trait, Consumer, Context};
/// # #[derive(Default)] struct Orders;
/// # #[async_trait] impl Consumer for Orders {
/// #     async fn consume(&mut self, _: &mut Context) -> anyhow::Result<()> { Ok(()) }
/// # }
/// use karafka::routing::Topic;
///
/// let group = SubscriptionGroup::new("orders")
///     .multiplexing(Multiplexing::new().connections(3))
///     .topic(Topic::new("orders").consumer::<Orders>());
/// # let _ = group;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Multiplexing {
    pub(crate) connections: usize,
}

impl Default for Multiplexing {
    /// One connection: no multiplexing.
    fn default() -> Self {
        Self { connections: 1 }
    }
}

impl Multiplexing {
    /// One connection until [`Multiplexing::connections`] says more.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many connections (librdkafka consumers) run the subscription group; at least 1,
    /// checked when the app is built.
    pub fn connections(mut self, connections: usize) -> Self {
        self.connections = connections;
        self
    }
}

/// librdkafka's static membership id.
const GROUP_INSTANCE_ID: &str = "group.instance.id";

/// The connections of each multiplexed subscription group of `group`, by name: at least 1,
/// and the same wherever the group's name is given multiplexing.
pub(super) fn connections_by_name(
    group: &ConsumerGroup,
) -> Result<HashMap<String, usize>, RoutingError> {
    let mut connections = HashMap::new();
    for topic in &group.topics {
        let (Some(multiplexing), Some(name)) = (topic.multiplexing, &topic.subscription_group)
        else {
            continue;
        };
        if multiplexing.connections == 0 {
            return Err(RoutingError::InvalidGroupSetting {
                group: group.name.clone(),
                subscription_group: name.clone(),
                key: "multiplexing.connections",
                value: "0".into(),
                expected: "must be at least 1",
            });
        }
        match connections.insert(name.clone(), multiplexing.connections) {
            Some(first) if first != multiplexing.connections => {
                return Err(RoutingError::ConflictingMultiplexing {
                    group: group.name.clone(),
                    subscription_group: name.clone(),
                    first,
                    second: multiplexing.connections,
                })
            }
            _ => {}
        }
    }
    Ok(connections)
}

impl Subscription {
    /// One subscription per connection: the same routes, each its own member of the consumer
    /// group. A static member (`group.instance.id`) gets the connection's number appended, as
    /// two members with one instance id would fence each other off.
    pub(crate) fn split(self) -> impl Iterator<Item = Subscription> {
        (0..self.connections).map(move |connection| {
            let mut kafka = self.kafka.clone();
            if self.connections > 1 {
                if let Some(instance) = kafka.get(GROUP_INSTANCE_ID).map(str::to_owned) {
                    kafka.set(GROUP_INSTANCE_ID, format!("{instance}-{}", connection + 1));
                }
            }
            Subscription {
                kafka,
                connection,
                ..self.clone()
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use proptest::prelude::*;

    use super::*;
    use crate::consumer::Noop;
    use crate::routing::{Routes, SubscriptionGroup, Topic};
    use crate::Config;

    fn topic(name: &str) -> Topic {
        Topic::new(name).consumer::<Noop>()
    }

    fn resolve(routes: Routes) -> Result<Vec<Subscription>, RoutingError> {
        routes
            .resolve(&Config::default())
            .map(|resolved| resolved.subscriptions)
    }

    /// Each connection's name and topics.
    fn connections(subscriptions: Vec<Subscription>) -> Vec<(String, Vec<String>)> {
        subscriptions
            .into_iter()
            .flat_map(Subscription::split)
            .map(|connection| (connection.name(), connection.subscriptions()))
            .collect()
    }

    #[test]
    fn a_multiplexed_group_runs_a_named_connection_each_and_others_keep_one() {
        let routes = Routes::new()
            .topic(topic("plain"))
            .subscription_group(
                SubscriptionGroup::new("fast")
                    .multiplexing(Multiplexing::new().connections(3))
                    .topic(topic("a")),
            )
            // Routed into the group by name: on the same connections.
            .topic(topic("b").subscription_group("fast"))
            .consumer_group(
                crate::routing::ConsumerGroup::new("audit").subscription_group(
                    SubscriptionGroup::new("fast")
                        .topic(topic("a"))
                        .multiplexing(Multiplexing::new().connections(2)),
                ),
            );
        let ab = || vec!["a".to_owned(), "b".to_owned()];
        assert_eq!(
            connections(resolve(routes).unwrap()),
            vec![
                ("app/default".into(), vec!["plain".into()]),
                ("app/fast#1".into(), ab()),
                ("app/fast#2".into(), ab()),
                ("app/fast#3".into(), ab()),
                ("audit/fast#1".into(), vec!["a".into()]),
                ("audit/fast#2".into(), vec!["a".into()]),
            ]
        );
    }

    #[test]
    fn the_macro_builds_what_the_builder_builds() {
        let from_macro = crate::routes! {
            subscription_group "fast" {
                multiplexing: { connections: 2 },
                topic "a" => Noop,
            }
            consumer_group "audit" {
                subscription_group "slow" {
                    topic "b" => Noop,
                    multiplexing: Multiplexing::new().connections(3)
                }
            }
        };
        let from_builder = Routes::new()
            .subscription_group(
                SubscriptionGroup::new("fast")
                    .multiplexing(Multiplexing::new().connections(2))
                    .topic(topic("a")),
            )
            .consumer_group(
                crate::routing::ConsumerGroup::new("audit").subscription_group(
                    SubscriptionGroup::new("slow")
                        .multiplexing(Multiplexing::new().connections(3))
                        .topic(topic("b")),
                ),
            );
        let built = connections(resolve(from_builder).unwrap());
        assert_eq!(connections(resolve(from_macro).unwrap()), built);
        assert_eq!(built.len(), 5);
    }

    #[test]
    fn mistakes_name_the_setting_and_the_group() {
        let zero = Routes::new().subscription_group(
            SubscriptionGroup::new("fast")
                .multiplexing(Multiplexing::new().connections(0))
                .topic(topic("a")),
        );
        assert_eq!(
            resolve(zero).unwrap_err().to_string(),
            "subscription group `fast` of consumer group `app`: `multiplexing.connections` = 0: \
             must be at least 1"
        );
        let twice = Routes::new()
            .subscription_group(
                SubscriptionGroup::new("fast")
                    .multiplexing(Multiplexing::new().connections(2))
                    .topic(topic("a")),
            )
            .subscription_group(
                SubscriptionGroup::new("fast")
                    .multiplexing(Multiplexing::new().connections(3))
                    .topic(topic("b")),
            );
        assert_eq!(
            resolve(twice).unwrap_err().to_string(),
            "subscription group `fast` of consumer group `app` is given multiplexing with 2 and \
             with 3 connections; set it once"
        );
    }

    proptest! {
        /// Every connection is its own member: a distinct name (and static membership id), the
        /// same consumer group, settings and routes.
        #[test]
        fn connections_are_distinct_members_of_one_group(
            count in 1usize..8,
            instance in proptest::option::of("[a-z]{1,8}"),
        ) {
            let mut routed = topic("a").kafka("fetch.max.bytes", 1000);
            if let Some(instance) = &instance {
                routed = routed.kafka(GROUP_INSTANCE_ID, instance);
            }
            let group = SubscriptionGroup::new("fast")
                .multiplexing(Multiplexing::new().connections(count))
                .topic(routed);
            let subscriptions = resolve(Routes::new().subscription_group(group)).unwrap();
            prop_assert_eq!(subscriptions.len(), 1);
            let split: Vec<Subscription> =
                subscriptions.into_iter().flat_map(Subscription::split).collect();
            prop_assert_eq!(split.len(), count);
            let names: HashSet<String> = split.iter().map(Subscription::name).collect();
            prop_assert_eq!(names.len(), count);
            let instances: HashSet<Option<&str>> =
                split.iter().map(|c| c.kafka.get(GROUP_INSTANCE_ID)).collect();
            prop_assert_eq!(instances.len(), if instance.is_some() { count } else { 1 });
            if count == 1 {
                prop_assert_eq!(&split[0].name(), "app/fast");
                prop_assert_eq!(split[0].kafka.get(GROUP_INSTANCE_ID), instance.as_deref());
            }
            for connection in &split {
                prop_assert_eq!(&connection.group_id, "app");
                prop_assert_eq!(connection.kafka.get("fetch.max.bytes"), Some("1000"));
                prop_assert_eq!(connection.subscriptions(), split[0].subscriptions());
            }
        }
    }
}
