//! Turning routes and settings into what the runtime runs: subscriptions (one librdkafka consumer
//! each) of topic routes, and the topics the `topics` commands manage.

use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use regex::Regex;

use super::declaratives::{Declaratives, Required, Source};
use super::multiplexing::connections_by_name;
use super::topic::ConsumerFactory;
use super::{Backoff, Periodic};
use super::{ConsumerGroup, DeclaredTopic, Routes, RoutingError, Topic, TopicConfig};
use crate::config::{Cluster, Config, InitialOffset, KafkaSettings};
use crate::consumer::{CriticalTest, Wrap};
use crate::jobs::{JobConsumer, JobIndex, JobRegistry};
use crate::messages::Deserializers;
use crate::middleware::dead_letter_queue::Dispatcher;
use crate::middleware::TopicStack;
use crate::recurring_tasks::Schedule;

/// One routed topic (or pattern of topics) with every setting decided.
#[derive(Clone)]
pub(crate) struct TopicRoute {
    /// The topic's name, or the pattern's source.
    pub(crate) name: String,
    /// For pattern routes: the regex topic names are matched against.
    pub(crate) pattern: Option<Regex>,
    pub(crate) consumer_group: String,
    pub(crate) consumer: ConsumerFactory,
    pub(crate) consumer_name: &'static str,
    pub(crate) max_messages: usize,
    pub(crate) max_wait_time: Duration,
    pub(crate) backoff: Backoff,
    /// How the topic's payloads, keys and headers are decoded.
    pub(crate) deserializers: Deserializers,
    /// What runs around the consumer: virtual partitions, dead-letter queue, filters, layers.
    pub(crate) stack: TopicStack,
    /// Jobs may outlive `max.poll.interval.ms`.
    pub(crate) long_running_job: bool,
    /// Ticks of the consumers when no batch runs.
    pub(crate) periodic: Option<Periodic>,
    /// Whether the consumers hear when their partition was read to its end.
    pub(crate) eofed: bool,
    /// Runs around every action of the consumers.
    pub(crate) wrap: Option<Arc<dyn Wrap>>,
    /// Which errors stop the server instead of being retried.
    pub(crate) critical: Vec<CriticalTest>,
    /// What runs around the consumer, in words, for `info` (DLQ, virtual partitions, filters…).
    pub(crate) features: Vec<String>,
}

impl TopicRoute {
    /// The name librdkafka subscribes to: the topic, or `^regex` for a pattern.
    pub(crate) fn subscription(&self) -> String {
        match &self.pattern {
            Some(regex) => regex.as_str().to_owned(),
            None => self.name.clone(),
        }
    }

    fn routes(&self, topic: &str) -> bool {
        match &self.pattern {
            Some(regex) => regex.is_match(topic),
            None => self.name == topic,
        }
    }
}

impl fmt::Debug for TopicRoute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TopicRoute")
            .field("name", &self.name)
            .field("pattern", &self.pattern.is_some())
            .field("consumer_group", &self.consumer_group)
            .field("consumer", &self.consumer_name)
            .field("max_messages", &self.max_messages)
            .field("max_wait_time", &self.max_wait_time)
            .field(
                "manual_offset_management",
                &self.stack.manual_offset_management,
            )
            .finish_non_exhaustive()
    }
}

/// Topics of one consumer group that share a connection (one librdkafka consumer), or
/// `connections` of them when the subscription group is multiplexed.
#[derive(Debug, Clone)]
pub(crate) struct Subscription {
    /// The consumer group.
    pub(crate) group_id: String,
    /// The subscription group's name within its consumer group.
    pub(crate) subscription_group: String,
    pub(crate) kafka: KafkaSettings,
    /// The cluster `kafka` connects to: its producer and admin client serve these topics.
    pub(crate) cluster: Cluster,
    pub(crate) initial_offset: InitialOffset,
    pub(crate) topics: Vec<Arc<TopicRoute>>,
    /// How many connections run the subscription group (its multiplexing; 1 without).
    pub(crate) connections: usize,
    /// Which of them this is, from 0; see [`Subscription::split`].
    pub(crate) connection: usize,
}

impl Subscription {
    /// `<consumer group>/<subscription group>`, for logs, events, metrics and thread names;
    /// `#<n>` (from 1) follows when the group is multiplexed, so each connection has its own.
    pub(crate) fn name(&self) -> String {
        let name = format!("{}/{}", self.group_id, self.subscription_group);
        if self.connections > 1 {
            format!("{name}#{}", self.connection + 1)
        } else {
            name
        }
    }

    /// The route of `topic`: its own, or the first pattern matching it.
    pub(crate) fn route_for(&self, topic: &str) -> Option<&Arc<TopicRoute>> {
        self.topics
            .iter()
            .find(|route| route.pattern.is_none() && route.name == topic)
            .or_else(|| self.topics.iter().find(|route| route.routes(topic)))
    }

    /// What librdkafka subscribes to.
    pub(crate) fn subscriptions(&self) -> Vec<String> {
        self.topics
            .iter()
            .map(|route| route.subscription())
            .collect()
    }
}

/// Routes checked against the settings.
#[derive(Debug)]
pub(crate) struct Resolved {
    pub(crate) subscriptions: Vec<Subscription>,
    /// The topics the `topics` commands manage.
    pub(crate) declared: Vec<DeclaredTopic>,
    /// `(consumer group, topic)` of the topics routed with `active: false`: declared, not
    /// consumed.
    pub(crate) inactive: Vec<(String, String)>,
    /// The topic of each job type the routes register (inactive topics' too: an app may enqueue
    /// jobs another app performs).
    pub(crate) jobs: Arc<JobIndex>,
    /// The recurring tasks, when the routes have them.
    pub(crate) recurring_tasks: Option<Arc<Schedule>>,
}

impl Routes {
    /// Checks the routes against `config`, groups the active topics into subscriptions and
    /// gathers the declared topics (with `strict_declarative_topics`, refusing routed topics and
    /// dead-letter targets that have no explicit declaration).
    pub(crate) fn resolve(self, config: &Config) -> Result<Resolved, RoutingError> {
        let mut groups = Vec::new();
        if !self.default_topics.is_empty() {
            groups.push(ConsumerGroup {
                name: config.group_id.clone(),
                topics: self.default_topics,
            });
        }
        groups.extend(self.groups);
        let recurring_tasks = match self.recurring_tasks {
            Some(tasks) => {
                let schedule = Arc::new(tasks.build()?);
                groups.push(recurring_tasks_group(&schedule));
                Some(schedule)
            }
            None => None,
        };

        let mut subscriptions = Vec::new();
        let mut declared = Declaratives::default();
        let declares_alone = !self.declared.is_empty();
        for (name, topic_config) in self.declared {
            check_name(&name)?;
            declared.add(&name, topic_config, Source::Explicit)?;
        }
        let mut required = Vec::new();
        let mut inactive = Vec::new();
        let groups = merge_same_name(groups);
        // Complete before any topic resolves: a job may enqueue jobs of any topic.
        let jobs = Arc::new(index_jobs(&groups)?);
        for group in groups {
            check_name(&group.name)?;
            let multiplexed = connections_by_name(&group)?;
            let mut seen = HashSet::new();
            let mut buckets: Vec<(SubscriptionKey, Subscription)> = Vec::new();
            for topic in group.topics {
                let topic = topic.with_defaults(&self.defaults);
                let cluster = Cluster::of(&config.kafka.merged(&topic.kafka));
                declare(&topic, &cluster, &mut declared, &mut required)?;
                if !seen.insert(topic.name.clone()) {
                    return Err(RoutingError::DuplicateTopic {
                        topic: topic.name,
                        group: group.name,
                    });
                }
                if topic.active == Some(false) {
                    inactive.push((group.name.clone(), topic.name));
                    continue;
                }
                let key = SubscriptionKey {
                    name: topic.subscription_group.clone(),
                    kafka: topic.kafka.clone(),
                    initial_offset: topic.initial_offset,
                };
                let route = Arc::new(resolve_topic(topic, &group.name, config, &jobs)?);
                match buckets.iter_mut().find(|(existing, _)| *existing == key) {
                    Some((_, subscription)) => subscription.topics.push(route),
                    None => {
                        let name = key.unique_name(
                            buckets.iter().map(|(_, s)| s.subscription_group.as_str()),
                        );
                        let kafka = config.kafka.merged(&key.kafka);
                        let subscription = Subscription {
                            group_id: group.name.clone(),
                            subscription_group: name,
                            cluster: Cluster::of(&kafka),
                            kafka,
                            initial_offset: key.initial_offset.unwrap_or(config.initial_offset),
                            topics: vec![route],
                            connections: key
                                .name
                                .as_ref()
                                .and_then(|name| multiplexed.get(name).copied())
                                .unwrap_or(1),
                            connection: 0,
                        };
                        buckets.push((key, subscription));
                    }
                }
            }
            subscriptions.extend(buckets.into_iter().map(|(_, subscription)| subscription));
        }
        // Only inactive topics or declarations is a produce-only app: it declares topics and
        // consumes none (its server refuses to start).
        if subscriptions.is_empty() && inactive.is_empty() && !declares_alone {
            return Err(RoutingError::Empty);
        }
        if config.strict_declarative_topics {
            declared.check_strict(&required)?;
        }
        Ok(Resolved {
            subscriptions,
            declared: declared.managed(&config.cluster()),
            inactive,
            jobs,
            recurring_tasks,
        })
    }
}

/// The consumer group of the recurring tasks: the schedules topic (one partition, compacted, so
/// the latest state and commands stay), read from its start, its offsets marked by the consumer
/// alone, ticking every `interval`; and the logs topic, declared only.
fn recurring_tasks_group(schedule: &Arc<Schedule>) -> ConsumerGroup {
    let consumer = Arc::clone(schedule);
    let topic = Topic::new(schedule.topic())
        .consumer_with(move || consumer.consumer())
        .config(
            TopicConfig::new()
                .partitions(1)
                .setting("cleanup.policy", "compact"),
        )
        .initial_offset(InitialOffset::Earliest)
        .manual_offset_management(true)
        .eofed(true)
        .periodic(
            Periodic::new()
                .interval(schedule.interval)
                .during_pause(false)
                .during_retry(false),
        );
    // Karafka's logs topic: declared for `topics migrate`, not consumed.
    let logs = Topic::new(schedule.logs_topic()).active(false).config(
        TopicConfig::new()
            .partitions(1)
            .setting("cleanup.policy", "delete")
            .setting("retention.ms", 604_800_000),
    );
    ConsumerGroup::new(schedule.group_id())
        .topic(topic)
        .topic(logs)
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
    /// The subscription group's name (`default` when unnamed), suffixed when another connection of
    /// the consumer group already has it.
    fn unique_name<'a>(&self, taken: impl Iterator<Item = &'a str> + Clone) -> String {
        let base = self.name.as_deref().unwrap_or("default");
        (1..)
            .map(|n| {
                if n == 1 {
                    base.to_owned()
                } else {
                    format!("{base}_{n}")
                }
            })
            .find(|candidate| !taken.clone().any(|name| name == candidate))
            .unwrap_or_else(|| base.to_owned())
    }
}

/// Declares what `topic` uses: the topic itself unless it is a pattern (its `config`, or
/// Karafka's defaults), and its dead-letter target (Karafka's defaults unless declared
/// explicitly), both on the route's `cluster`; each is noted for `strict_declarative_topics`.
fn declare(
    topic: &Topic,
    cluster: &Cluster,
    declared: &mut Declaratives,
    required: &mut Vec<Required>,
) -> Result<(), RoutingError> {
    if !topic.pattern {
        check_name(&topic.name)?;
        let source = match topic.config {
            Some(_) => Source::Explicit,
            None => Source::Implicit,
        };
        declared.add(
            &topic.name,
            topic.config.clone().unwrap_or_default(),
            source,
        )?;
        declared.used_on(&topic.name, cluster);
        required.push(Required::Routed(topic.name.clone()));
    }
    let dead_letter = topic.dead_letter_queue.as_ref();
    if let Some(target) = dead_letter.and_then(|settings| settings.topic.as_ref()) {
        check_name(target)?;
        declared.add(target, TopicConfig::default(), Source::Implicit)?;
        declared.used_on(target, cluster);
        required.push(Required::DeadLetter {
            topic: target.clone(),
            of: topic.name.clone(),
        });
    }
    Ok(())
}

/// The topic of each job type the routes register; patterns name no topic to enqueue to.
fn index_jobs(groups: &[ConsumerGroup]) -> Result<JobIndex, RoutingError> {
    let mut index = JobIndex::default();
    let topics = groups.iter().flat_map(|group| &group.topics);
    for topic in topics.filter(|topic| !topic.pattern) {
        let Some(registry) = &topic.jobs else {
            continue;
        };
        index.add(&topic.name, registry).map_err(|twice| {
            let [first, second] = twice.topics;
            RoutingError::JobRoutedTwice {
                job: twice.job.to_owned(),
                first,
                second,
            }
        })?;
    }
    Ok(index)
}

/// A jobs topic's consumer: the built-in job consumer over its registered types.
fn job_consumer(
    topic: &str,
    registry: JobRegistry,
    consumer: Option<&(ConsumerFactory, &'static str)>,
    index: &Arc<JobIndex>,
) -> Result<(ConsumerFactory, &'static str), RoutingError> {
    if let Some((_, name)) = consumer {
        return Err(RoutingError::JobsWithConsumer {
            topic: topic.to_owned(),
            consumer: name,
        });
    }
    if let Some(job) = registry.duplicate() {
        return Err(RoutingError::DuplicateJobName {
            topic: topic.to_owned(),
            job: job.to_owned(),
        });
    }
    let (registry, index) = (Arc::new(registry), Arc::clone(index));
    let factory: ConsumerFactory =
        Arc::new(move || Box::new(JobConsumer::new(Arc::clone(&registry), Arc::clone(&index))));
    Ok((factory, "JobConsumer"))
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

fn resolve_topic(
    topic: Topic,
    group: &str,
    config: &Config,
    index: &Arc<JobIndex>,
) -> Result<TopicRoute, RoutingError> {
    let jobs = topic.jobs.as_ref().map(JobRegistry::describe);
    let consumer = match topic.jobs {
        Some(registry) => Some(job_consumer(
            &topic.name,
            registry,
            topic.consumer.as_ref(),
            index,
        )?),
        None => topic.consumer,
    };
    let Some((consumer, consumer_name)) = consumer else {
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
    let pattern = topic.pattern.then(|| anchored(&topic.name)).transpose()?;
    let stack = TopicStack {
        manual_offset_management: topic.manual_offset_management.unwrap_or(false),
        virtual_partitions: topic.virtual_partitions.map(|settings| {
            let count = settings.max_partitions.unwrap_or(config.concurrency).max(1);
            (Arc::new(settings), count)
        }),
        dead_letter: topic.dead_letter_queue.map(|settings| {
            let dispatcher = Dispatcher::new(settings.topic.clone(), group.to_owned());
            (Arc::new(settings), Arc::new(dispatcher))
        }),
        filters: topic.filters,
        layers: topic.layers,
    };
    let long_running_job = topic.long_running_job.unwrap_or(false);
    let eofed = topic.eofed.unwrap_or(false);
    let mut features = stack.features();
    if let Some(jobs) = jobs {
        features.push(format!("jobs: {jobs}"));
    }
    if long_running_job {
        features.push("long-running job".to_owned());
    }
    if let Some(periodic) = &topic.periodic {
        features.push(format!(
            "periodic every {} ms",
            periodic.interval.as_millis()
        ));
    }
    if eofed {
        features.push("eofed".to_owned());
    }
    features.extend(topic.deserializers.describe());
    Ok(TopicRoute {
        name: topic.name,
        pattern,
        consumer_group: group.to_owned(),
        consumer,
        consumer_name,
        max_messages,
        max_wait_time: topic.max_wait_time.unwrap_or(config.max_wait_time),
        backoff: topic.pausing.unwrap_or_default().backoff(config),
        deserializers: topic.deserializers,
        stack,
        long_running_job,
        periodic: topic.periodic,
        eofed,
        wrap: topic.wrap,
        critical: topic.critical,
        features,
    })
}

/// The pattern as librdkafka subscribes to it: a regex anchored at the start (`^...`).
fn anchored(pattern: &str) -> Result<Regex, RoutingError> {
    let source = if pattern.starts_with('^') {
        pattern.to_owned()
    } else {
        format!("^{pattern}")
    };
    Regex::new(&source).map_err(|error| RoutingError::InvalidPattern {
        pattern: pattern.to_owned(),
        reason: error.to_string(),
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
    use crate::consumer::Noop;
    use crate::Context;

    fn topic(name: &str) -> Topic {
        Topic::new(name).consumer::<Noop>()
    }

    fn layout(routes: Routes) -> Vec<(String, String, Vec<String>)> {
        routes
            .resolve(&Config::default())
            .unwrap()
            .subscriptions
            .into_iter()
            .map(|s| (s.name(), s.group_id.clone(), s.subscriptions()))
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
                    "app/default".into(),
                    "app".into(),
                    vec!["a".into(), "b".into()]
                ),
                ("app/default_2".into(), "app".into(), vec!["c".into()]),
                ("app/slow".into(), "app".into(), vec!["d".into()]),
                ("app/default_3".into(), "app".into(), vec!["e".into()]),
                ("audit/default".into(), "audit".into(), vec!["a".into()]),
            ]
        );
    }

    #[test]
    fn a_route_naming_other_brokers_is_on_their_cluster_with_its_dead_letter_topic() {
        use crate::middleware::DeadLetterQueue;

        let config = Config::default().kafka("bootstrap.servers", "main:9092");
        let second = |t: Topic| t.kafka("bootstrap.servers", "second:9392");
        let resolved = Routes::new()
            .topic(topic("home").kafka("fetch.max.bytes", 1000))
            .topic(second(topic("away")).dead_letter_queue(DeadLetterQueue::new("away_dlq")))
            .topic(second(topic("tuned")).kafka("fetch.max.bytes", 1000))
            .topic(second(Topic::new("kept")).active(false))
            .consumer_group(ConsumerGroup::new("audit").topic(second(topic("home"))))
            .resolve(&config)
            .unwrap();
        let main = config.cluster();
        let other = Cluster::of(&[("bootstrap.servers", "second:9392")].into_iter().collect());
        let clusters: Vec<(String, Vec<String>, &Cluster)> = resolved
            .subscriptions
            .iter()
            .map(|s| (s.name(), s.subscriptions(), &s.cluster))
            .collect();
        assert_eq!(
            clusters,
            vec![
                ("app/default".into(), vec!["home".into()], &main),
                ("app/default_2".into(), vec!["away".into()], &other),
                ("app/default_3".into(), vec!["tuned".into()], &other),
                ("audit/default".into(), vec!["home".into()], &other),
            ]
        );
        let placed: Vec<(&str, &[Cluster])> = resolved
            .declared
            .iter()
            .map(|d| (d.name.as_str(), d.clusters.as_slice()))
            .collect();
        assert_eq!(
            placed,
            vec![
                ("home", &[main.clone(), other.clone()][..]),
                ("away", &[other.clone()][..]),
                ("away_dlq", &[other.clone()][..]),
                ("tuned", &[other.clone()][..]),
                ("kept", &[other][..]),
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
                "app/default".into(),
                "app".into(),
                vec!["a".into(), "b".into()]
            )]
        );
    }

    fn error(routes: Routes) -> String {
        routes.resolve(&Config::default()).unwrap_err().to_string()
    }

    #[test]
    fn defaults_fill_what_topics_leave_unset_and_patterns_subscribe_anchored() {
        let resolved = Routes::new()
            .defaults(|topic| {
                topic
                    .max_messages(7)
                    .consumer::<Noop>()
                    .kafka("fetch.max.bytes", 1)
            })
            .topic(Topic::new("a"))
            .topic(Topic::new("b").max_messages(9))
            .topic(Topic::pattern(r"logs\..*"))
            .resolve(&Config::default())
            .unwrap();
        let routes = &resolved.subscriptions[0].topics;
        assert_eq!(
            routes.iter().map(|r| r.max_messages).collect::<Vec<_>>(),
            vec![7, 9, 7]
        );
        assert_eq!(
            resolved.subscriptions[0].kafka.get("fetch.max.bytes"),
            Some("1")
        );
        assert_eq!(resolved.subscriptions[0].subscriptions()[2], r"^logs\..*");
        let subscription = &resolved.subscriptions[0];
        assert_eq!(
            subscription.route_for("logs.app").map(|r| r.name.as_str()),
            Some(r"logs\..*")
        );
        assert!(subscription.route_for("metrics").is_none());
        assert_eq!(
            resolved
                .declared
                .iter()
                .map(|d| d.name.as_str())
                .collect::<Vec<_>>(),
            vec!["a", "b"],
            "patterns declare no topic"
        );
    }

    #[test]
    fn deserializers_fall_back_part_by_part_to_the_defaults() {
        use crate::messages::test_formats::{BigEndianU64, HeaderNames, JsonThroughVisit};
        use crate::messages::Deserializers;

        let resolved = crate::routes! {
            defaults { consumer: Noop, deserializers: { key: BigEndianU64 } }
            topic "payload" { deserializer: JsonThroughVisit }
            topic "headers" { deserializers: { headers: HeaderNames } }
            topic "built_in" => Noop,
        }
        .topic(
            Topic::new("later_call")
                .deserializer(JsonThroughVisit)
                .deserializers(Deserializers::new().headers(HeaderNames)),
        )
        .resolve(&Config::default())
        .unwrap();
        let described: Vec<(&str, Option<String>)> = resolved.subscriptions[0]
            .topics
            .iter()
            .map(|route| (route.name.as_str(), route.deserializers.describe()))
            .collect();
        let custom = |parts: &str| Some(format!("custom deserializers: {parts}"));
        assert_eq!(
            described,
            vec![
                ("payload", custom("payload, key")),
                ("headers", custom("key, headers")),
                ("built_in", custom("key")),
                ("later_call", custom("payload, key, headers")),
            ]
        );
        let features = &resolved.subscriptions[0].topics[2].features;
        assert!(
            features.contains(&"custom deserializers: key".to_owned()),
            "{features:?}"
        );
    }

    #[test]
    fn a_topic_declared_twice_with_different_configs_is_refused() {
        let routes = Routes::new()
            .topic(topic("t").config(TopicConfig::new().partitions(2)))
            .consumer_group(
                ConsumerGroup::new("other")
                    .topic(topic("t").config(TopicConfig::new().partitions(3))),
            );
        assert!(error(routes).contains("`t` is declared with different configs"));
        assert!(
            error(Routes::new().topic(Topic::pattern("(").consumer::<Noop>()))
                .contains("invalid pattern")
        );
    }

    /// A route as the runtime would run it: subscription, topic, max_messages, max_wait_time in
    /// ms, manual offsets, librdkafka settings.
    type Detail = (String, String, usize, u128, bool, Vec<(String, String)>);

    fn details(routes: Routes) -> Vec<Detail> {
        let resolved = routes.resolve(&Config::default()).unwrap();
        resolved
            .subscriptions
            .iter()
            .flat_map(|s| {
                s.topics.iter().map(move |t| {
                    let kafka = s
                        .kafka
                        .iter()
                        .map(|(k, v)| (k.to_owned(), v.to_owned()))
                        .collect();
                    (
                        s.name(),
                        t.subscription(),
                        t.max_messages,
                        t.max_wait_time.as_millis(),
                        t.stack.manual_offset_management,
                        kafka,
                    )
                })
            })
            .collect()
    }

    #[test]
    fn the_macro_builds_what_the_builder_builds() {
        let from_macro = crate::routes! {
            defaults { max_messages: 7 }
            topic "a" => Noop,
            topic "b" {
                consumer: Noop,
                max_wait_time: 250,
                manual_offset_management: true,
                kafka: { "fetch.max.bytes": 1000 },
                config: { partitions: 3, "cleanup.policy": "compact" },
            }
            subscription_group "slow" { topic "c" => Noop }
            consumer_group "audit" {
                pattern(r"logs\..*") => Noop,
            }
        };
        let from_builder = Routes::new()
            .defaults(|t| t.max_messages(7))
            .topic(topic("a"))
            .topic(
                topic("b")
                    .max_wait_time(Duration::from_millis(250))
                    .manual_offset_management(true)
                    .kafka("fetch.max.bytes", 1000)
                    .config(
                        TopicConfig::new()
                            .partitions(3)
                            .setting("cleanup.policy", "compact"),
                    ),
            )
            .subscription_group(crate::routing::SubscriptionGroup::new("slow").topic(topic("c")))
            .consumer_group(
                ConsumerGroup::new("audit").topic(Topic::pattern(r"logs\..*").consumer::<Noop>()),
            );
        assert_eq!(details(from_macro), details(from_builder));
        let declared = crate::routes! { topic "b" { consumer: Noop, config: { partitions: 3 } } }
            .resolve(&Config::default())
            .unwrap()
            .declared;
        assert_eq!(declared[0].config, TopicConfig::new().partitions(3));
    }

    #[test]
    fn topic_and_group_names_may_be_expressions_checked_when_built() {
        let prefix = "staging";
        let events = String::from("events");
        let routes = crate::routes! {
            topic (format!("{prefix}.orders")) => Noop,
            consumer_group (format!("{prefix}.audit")) {
                subscription_group (events.clone()) { topic (events) => Noop }
            }
        };
        assert_eq!(
            layout(routes),
            vec![
                (
                    "app/default".into(),
                    "app".into(),
                    vec!["staging.orders".into()]
                ),
                (
                    "staging.audit/events".into(),
                    "staging.audit".into(),
                    vec!["events".into()]
                ),
            ]
        );
        let twice =
            crate::routes! { topic "a.orders" => Noop, topic (format!("a.{}", "orders")) => Noop };
        assert!(error(twice).contains("`a.orders` is routed twice"));
        let invalid = crate::routes! { topic (format!("{prefix} orders")) => Noop };
        assert!(error(invalid).contains("invalid name `staging orders`"));
    }

    #[test]
    fn consumer_with_builds_each_instance_with_what_it_captured() {
        use std::sync::atomic::{AtomicUsize, Ordering};

        struct Counted;

        #[async_trait]
        impl crate::Consumer for Counted {
            async fn consume(&mut self, _: &mut Context) -> anyhow::Result<()> {
                Ok(())
            }
        }

        let built = Arc::new(AtomicUsize::new(0));
        let pool = Arc::clone(&built);
        let resolved = crate::routes! {
            topic "orders" {
                consumer_with: move || {
                    pool.fetch_add(1, Ordering::SeqCst);
                    Counted
                },
            }
        }
        .resolve(&Config::default())
        .unwrap();
        let route = &resolved.subscriptions[0].topics[0];
        assert_eq!(route.consumer_name, "Counted");
        assert_eq!(
            built.load(Ordering::SeqCst),
            0,
            "built per partition, not at routing"
        );
        let _instances = ((route.consumer)(), (route.consumer)());
        assert_eq!(built.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn an_inactive_topic_needs_no_consumer_and_is_still_declared() {
        let from_macro = crate::routes! {
            topic "orders" => Noop,
            topic "orders_dlq" { active: false, config: { partitions: 2 } }
        };
        let from_builder = Routes::new().topic(topic("orders")).topic(
            Topic::new("orders_dlq")
                .active(false)
                .config(TopicConfig::new().partitions(2)),
        );
        for routes in [from_macro, from_builder] {
            let resolved = routes.resolve(&Config::default()).unwrap();
            let subscribed: Vec<String> = resolved
                .subscriptions
                .iter()
                .flat_map(Subscription::subscriptions)
                .collect();
            assert_eq!(subscribed, vec!["orders".to_owned()]);
            assert_eq!(
                resolved.declared[1],
                declared_topic("orders_dlq", TopicConfig::new().partitions(2))
            );
        }
        let inactive_by_default = Routes::new()
            .defaults(|t| t.active(false))
            .topic(topic("a").active(true))
            .topic(Topic::new("b"));
        assert_eq!(layout(inactive_by_default)[0].2, vec!["a".to_owned()]);
        assert!(
            error(
                Routes::new()
                    .topic(topic("a"))
                    .topic(Topic::new("b").active(true))
            )
            .contains("`b` has no consumer"),
            "an active topic still needs one"
        );
    }

    #[test]
    fn only_inactive_topics_make_a_produce_only_app() {
        let resolved = Routes::new()
            .topic(Topic::new("outbox").active(false))
            .resolve(&Config::default())
            .expect("declares, consumes nothing");
        assert!(resolved.subscriptions.is_empty());
        assert_eq!(
            resolved.inactive,
            vec![("app".to_owned(), "outbox".to_owned())]
        );
    }

    fn declared(routes: Routes) -> Vec<DeclaredTopic> {
        routes.resolve(&Config::default()).unwrap().declared
    }

    fn declared_topic(name: &str, config: TopicConfig) -> DeclaredTopic {
        DeclaredTopic {
            name: name.to_owned(),
            config,
            clusters: vec![Config::default().cluster()],
        }
    }

    #[test]
    fn declarations_apart_from_routes_and_dead_letter_targets_are_managed() {
        use crate::middleware::DeadLetterQueue;

        let from_macro = crate::routes! {
            declare "outbox" {
                partitions: 6,
                replication_factor: 1,
                config: { "retention.ms": 604800000 },
            }
            topic "orders" {
                consumer: Noop,
                dead_letter_queue: { topic: "orders_dlq", max_retries: 1 },
            }
            topic "payments" {
                consumer: Noop,
                config: { partitions: 2 },
                dead_letter_queue: { topic: "payments_dlq" },
            }
            declare "payments_dlq" { partitions: 3 }
            declare "theirs" { active: false }
            pattern(r"logs\..*") {
                consumer: Noop,
                dead_letter_queue: { topic: "logs_dlq" },
            }
        };
        let from_builder = Routes::new()
            .declare(
                "outbox",
                TopicConfig::new()
                    .partitions(6)
                    .replication_factor(1)
                    .setting("retention.ms", 604_800_000),
            )
            .topic(
                topic("orders")
                    .dead_letter_queue(DeadLetterQueue::new("orders_dlq").max_retries(1)),
            )
            .topic(
                topic("payments")
                    .config(TopicConfig::new().partitions(2))
                    .dead_letter_queue(DeadLetterQueue::new("payments_dlq")),
            )
            .declare("payments_dlq", TopicConfig::new().partitions(3))
            .declare("theirs", TopicConfig::new().active(false))
            .topic(
                Topic::pattern(r"logs\..*")
                    .consumer::<Noop>()
                    .dead_letter_queue(DeadLetterQueue::new("logs_dlq")),
            );
        let expected = vec![
            declared_topic(
                "outbox",
                TopicConfig::new()
                    .partitions(6)
                    .setting("retention.ms", 604_800_000),
            ),
            declared_topic("payments_dlq", TopicConfig::new().partitions(3)),
            declared_topic("orders", TopicConfig::new()),
            declared_topic("orders_dlq", TopicConfig::new()),
            declared_topic("payments", TopicConfig::new().partitions(2)),
            declared_topic("logs_dlq", TopicConfig::new()),
        ];
        assert_eq!(declared(from_macro), expected);
        assert_eq!(declared(from_builder), expected);
    }

    #[test]
    fn only_declarations_make_a_produce_only_app() {
        let resolved = crate::routes! { declare "outbox" }
            .resolve(&Config::default())
            .expect("declares, consumes nothing");
        assert!(resolved.subscriptions.is_empty());
        assert_eq!(
            resolved.declared,
            vec![declared_topic("outbox", TopicConfig::new())]
        );
        let conflicting = Routes::new()
            .topic(topic("t").config(TopicConfig::new().partitions(2)))
            .declare("t", TopicConfig::new().partitions(4));
        assert!(error(conflicting).contains("`t` is declared with different configs"));
        assert!(error(crate::routes! { declare (String::from("bad name")) })
            .contains("invalid name `bad name`"));
    }

    fn strict(routes: Routes) -> Result<Resolved, RoutingError> {
        let config = Config {
            strict_declarative_topics: true,
            ..Config::default()
        };
        routes.resolve(&config)
    }

    #[test]
    fn strict_mode_refuses_routed_topics_and_dead_letter_targets_without_a_declaration() {
        let routes = || {
            crate::routes! {
                topic "orders" {
                    consumer: Noop,
                    config: { partitions: 3 },
                    dead_letter_queue: { topic: "orders_dlq" },
                }
                topic "events" => Noop,
                pattern(r"logs\..*") => Noop,
            }
        };
        assert!(
            routes().resolve(&Config::default()).is_ok(),
            "off by default"
        );
        let refused = strict(routes()).unwrap_err();
        let RoutingError::UndeclaredTopics { topics, .. } = &refused else {
            panic!("{refused}");
        };
        assert_eq!(topics, &["orders_dlq", "events"], "patterns need none");
        assert!(
            refused.to_string().contains(
                "`orders_dlq` (dead-letter topic of `orders`), `events` (routed) not declared"
            ),
            "{refused}"
        );
        let declared = routes()
            .declare("orders_dlq", TopicConfig::new())
            .declare("events", TopicConfig::new().partitions(2));
        assert!(strict(declared).is_ok());
        let by_defaults = crate::routes! {
            defaults { config: { partitions: 2 } }
            topic "events" => Noop,
        };
        assert!(strict(by_defaults).is_ok(), "the defaults' config declares");
        let opted_out = crate::routes! {
            topic "events" { consumer: Noop, config: { active: false } }
        };
        assert!(strict(opted_out)
            .unwrap_err()
            .to_string()
            .contains("`events` (routed)"));
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
