//! Which `(consumer group, topic)` pairs the commands look at: the routes' topics, each pattern
//! route resolved against the cluster's topics as the runtime's subscription matches it, and for
//! `--all-groups` the topics every group of the cluster committed offsets on.

use regex::Regex;

use crate::config::Cluster;
use crate::App;

/// One route as the commands see it: a topic, or a pattern of topics.
#[derive(Debug, Clone, Copy)]
pub(super) struct Route<'a> {
    pub(super) group: &'a str,
    /// The topic, or the pattern's source.
    pub(super) name: &'a str,
    /// The anchored regex the runtime subscribes with, for a pattern route.
    pub(super) pattern: Option<&'a Regex>,
    /// The cluster the route consumes from.
    pub(super) cluster: &'a Cluster,
}

impl Route<'_> {
    fn routes(&self, topic: &str) -> bool {
        match self.pattern {
            Some(pattern) => pattern.is_match(topic),
            None => self.name == topic,
        }
    }
}

/// The routes of `app`, in route order.
pub(super) fn routes(app: &App) -> Vec<Route<'_>> {
    app.subscriptions
        .iter()
        .flat_map(|subscription| {
            subscription.topics.iter().map(|route| Route {
                group: &subscription.group_id,
                name: &route.name,
                pattern: route.pattern.as_ref(),
                cluster: &subscription.cluster,
            })
        })
        .collect()
}

/// The clusters of `routes` after `main` (the app's, always there: `--all-groups` looks at it
/// even when no route consumes from it), each once.
pub(super) fn clusters<'a>(main: &'a Cluster, routes: &[Route<'a>]) -> Vec<&'a Cluster> {
    let mut clusters = vec![main];
    for route in routes {
        if !clusters.contains(&route.cluster) {
            clusters.push(route.cluster);
        }
    }
    clusters
}

/// The cluster a command about `group` (and `topic`, when given) runs on: that of the group's
/// route of the topic, else of any route of the topic, else of any route of the group, else
/// `main`. A group is a group of one cluster: the same name on another is another group.
pub(super) fn cluster_for<'a>(
    main: &'a Cluster,
    routes: &[Route<'a>],
    group: &str,
    topic: Option<&str>,
) -> &'a Cluster {
    let of_topic = |route: &&Route<'a>| topic.is_some_and(|topic| route.routes(topic));
    routes
        .iter()
        .find(|route| route.group == group && of_topic(route))
        .or_else(|| routes.iter().find(|route| of_topic(route)))
        .or_else(|| routes.iter().find(|route| route.group == group))
        .map_or(main, |route| route.cluster)
}

/// One consumer group's topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct GroupTopic {
    pub(super) group: String,
    pub(super) topic: String,
    /// Whether a route names the topic (rather than a pattern matching it, or the group having
    /// committed on it): a topic named but never consumed is most likely a mistyped name.
    pub(super) named: bool,
}

/// `(group, topic)` pairs in the order first added, each once.
#[derive(Debug, Default)]
pub(super) struct GroupTopics(Vec<GroupTopic>);

impl GroupTopics {
    /// The routes' topics, each pattern replaced by the topics of `cluster` it matches (in
    /// `cluster`'s order).
    pub(super) fn routed<'a>(
        routes: impl IntoIterator<Item = Route<'a>>,
        cluster: &[String],
    ) -> Self {
        let mut topics = Self::default();
        for route in routes {
            match route.pattern {
                None => topics.add(route.group, route.name, true),
                Some(pattern) => cluster
                    .iter()
                    .filter(|topic| pattern.is_match(topic))
                    .for_each(|topic| topics.add(route.group, topic, false)),
            }
        }
        topics
    }

    /// Adds `topic` of `group` unless there; a route naming it marks it named.
    pub(super) fn add(&mut self, group: &str, topic: &str, named: bool) {
        match self
            .0
            .iter_mut()
            .find(|pair| pair.group == group && pair.topic == topic)
        {
            Some(pair) => pair.named |= named,
            None => self.0.push(GroupTopic {
                group: group.to_owned(),
                topic: topic.to_owned(),
                named,
            }),
        }
    }

    /// Only the pairs of `group` and `topic`, where given.
    pub(super) fn only(self, group: Option<&str>, topic: Option<&str>) -> Vec<GroupTopic> {
        self.0
            .into_iter()
            .filter(|pair| group.is_none_or(|group| pair.group == group))
            .filter(|pair| topic.is_none_or(|topic| pair.topic == topic))
            .collect()
    }

    /// The topics of `group`, in order.
    pub(super) fn of(&self, group: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|pair| pair.group == group)
            .map(|pair| pair.topic.as_str())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use proptest::prelude::*;

    use super::*;

    fn main_cluster() -> &'static Cluster {
        static MAIN: std::sync::OnceLock<Cluster> = std::sync::OnceLock::new();
        MAIN.get_or_init(|| servers("main:9092"))
    }

    fn servers(servers: &str) -> Cluster {
        Cluster::of(&[("bootstrap.servers", servers)].into_iter().collect())
    }

    fn route<'a>(group: &'a str, name: &'a str, pattern: Option<&'a Regex>) -> Route<'a> {
        Route {
            group,
            name,
            pattern,
            cluster: main_cluster(),
        }
    }

    #[test]
    fn a_command_runs_on_the_cluster_of_the_groups_route_of_the_topic() {
        let main = main_cluster();
        let (second, third) = (servers("second:9392"), servers("third:9492"));
        let events = Regex::new("^events").unwrap();
        let routes = [
            route("app", "orders", None),
            Route {
                cluster: &second,
                ..route("mirror", "orders", None)
            },
            Route {
                cluster: &third,
                ..route("audit", "events", Some(&events))
            },
        ];
        assert_eq!(cluster_for(main, &routes, "app", Some("orders")), main);
        assert_eq!(
            cluster_for(main, &routes, "mirror", Some("orders")),
            &second
        );
        assert_eq!(
            cluster_for(main, &routes, "audit", Some("events.eu")),
            &third
        );
        // A group of no route, on a topic only another group consumes: that topic's cluster.
        assert_eq!(cluster_for(main, &routes, "new", Some("events.us")), &third);
        // Without a topic, the group's cluster; for a group no route names, the app's.
        assert_eq!(cluster_for(main, &routes, "mirror", None), &second);
        assert_eq!(cluster_for(main, &routes, "new", Some("unknown")), main);
        assert_eq!(clusters(main, &routes), vec![main, &second, &third]);
    }

    #[test]
    fn patterns_take_the_cluster_topics_they_match_and_named_topics_stay_named() {
        let logs = Regex::new(r"^logs\..*").unwrap();
        let cluster: Vec<String> = ["audit", "logs.a", "logs.b", "orders", "xlogs.c"]
            .map(String::from)
            .to_vec();
        let topics = GroupTopics::routed(
            [
                route("app", "orders", None),
                route("app", r"logs\..*", Some(&logs)),
                route("app", "logs.a", None),
                route("audit", r"logs\..*", Some(&logs)),
            ],
            &cluster,
        );
        let pairs: Vec<(&str, &str, bool)> = topics
            .0
            .iter()
            .map(|pair| (pair.group.as_str(), pair.topic.as_str(), pair.named))
            .collect();
        assert_eq!(
            pairs,
            vec![
                ("app", "orders", true),
                ("app", "logs.a", true),
                ("app", "logs.b", false),
                ("audit", "logs.a", false),
                ("audit", "logs.b", false),
            ]
        );
        assert_eq!(topics.of("audit"), vec!["logs.a", "logs.b"]);
        let only = topics.only(Some("app"), Some("logs.b"));
        assert_eq!(only.len(), 1);
        assert_eq!(
            (only[0].group.as_str(), only[0].topic.as_str()),
            ("app", "logs.b")
        );
    }

    proptest! {
        /// A command runs on the cluster of a route of its group and topic when there is one;
        /// else of a route of the topic, else of the group; else on the app's. Every cluster of
        /// the routes is visited once, the app's first.
        #[test]
        fn a_command_runs_where_its_group_and_topic_are_routed(
            routed in proptest::collection::vec((0..3usize, 0..3usize, 0..3usize), 0..6),
            group in 0..4usize,
            topic in proptest::option::of(0..4usize),
        ) {
            const NAMES: [&str; 4] = ["a", "b", "c", "unrouted"];
            let clusters = [servers("one:1"), servers("two:2"), servers("three:3")];
            let main = main_cluster();
            let routes: Vec<Route<'_>> = routed
                .iter()
                .map(|&(g, t, c)| Route { cluster: &clusters[c], ..route(NAMES[g], NAMES[t], None) })
                .collect();
            let (group, topic) = (NAMES[group], topic.map(|t| NAMES[t]));
            let chosen = cluster_for(main, &routes, group, topic);
            let of = |keep: &dyn Fn(&Route<'_>) -> bool| {
                routes.iter().find(|route| keep(route)).map(|route| route.cluster)
            };
            let expected = of(&|r| r.group == group && Some(r.name) == topic)
                .or_else(|| of(&|r| Some(r.name) == topic))
                .or_else(|| of(&|r| r.group == group))
                .unwrap_or(main);
            prop_assert_eq!(chosen, expected);

            let visited = super::clusters(main, &routes);
            prop_assert_eq!(visited[0], main);
            for route in &routes {
                prop_assert_eq!(visited.iter().filter(|c| **c == route.cluster).count(), 1);
            }
        }

        /// Whatever the cluster holds: every named topic, and exactly the cluster topics the
        /// pattern matches, each once, named only when a route names it.
        #[test]
        fn each_routed_topic_once(
            named in proptest::collection::vec("[ab]{1,2}", 0..4),
            cluster in proptest::collection::btree_set("[ab]{1,3}", 0..8),
        ) {
            let pattern = Regex::new("^a").unwrap();
            let cluster: Vec<String> = cluster.into_iter().collect();
            let mut routes: Vec<Route<'_>> =
                named.iter().map(|name| route("g", name, None)).collect();
            routes.insert(routes.len() / 2, route("g", "a", Some(&pattern)));
            let topics = GroupTopics::routed(routes, &cluster).only(None, None);

            let listed: Vec<&str> = topics.iter().map(|pair| pair.topic.as_str()).collect();
            let unique: BTreeSet<&str> = listed.iter().copied().collect();
            prop_assert_eq!(unique.len(), listed.len(), "no topic twice: {:?}", listed);
            let expected: BTreeSet<&str> = named
                .iter()
                .map(String::as_str)
                .chain(cluster.iter().map(String::as_str).filter(|t| t.starts_with('a')))
                .collect();
            prop_assert_eq!(unique, expected);
            for pair in &topics {
                prop_assert_eq!(pair.named, named.contains(&pair.topic), "{:?}", pair);
            }
        }
    }
}
