//! Declarative topics (Karafka's `Declaratives`): how each topic the app uses should exist in the
//! cluster, gathered from `declare` items, routes' `config`, routed topics and dead-letter
//! targets, one declaration per name, each on the clusters of the routes that use it. Pure: the
//! `topics` commands apply the result.

use super::{RoutingError, TopicConfig};
use crate::config::Cluster;

/// A topic the `topics` commands manage, with the declaration that won.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DeclaredTopic {
    pub(crate) name: String,
    pub(crate) config: TopicConfig,
    /// Where it exists: the clusters of the routes consuming it or dead-lettering to it, or
    /// the app's cluster when no route uses it (a `declare` item alone).
    pub(crate) clusters: Vec<Cluster>,
}

/// Where a declaration comes from, which decides the one that wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    /// A routed topic or a dead-letter target with no declaration of its own: Karafka's defaults
    /// (1 partition, replication factor 1), so `topics create` still makes it.
    Implicit,
    /// A `declare` item or a route's `config`: what the app asked for.
    Explicit,
}

/// A topic that `strict_declarative_topics` wants explicitly declared, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Required {
    /// A routed topic (patterns are left out: their topics are not known in advance).
    Routed(String),
    /// The dead-letter target of the route `of`.
    DeadLetter {
        /// The dead-letter topic.
        topic: String,
        /// The route sending to it.
        of: String,
    },
}

impl Required {
    fn topic(&self) -> &str {
        match self {
            Self::Routed(topic) | Self::DeadLetter { topic, .. } => topic,
        }
    }

    /// The topic and why it needs a declaration, for the error.
    fn describe(&self) -> String {
        match self {
            Self::Routed(topic) => format!("`{topic}` (routed)"),
            Self::DeadLetter { topic, of } => format!("`{topic}` (dead-letter topic of `{of}`)"),
        }
    }
}

/// The declarations so far, in the order their names were first seen.
#[derive(Debug, Default)]
pub(crate) struct Declaratives {
    topics: Vec<(DeclaredTopic, Source)>,
}

impl Declaratives {
    /// Adds a declaration of `name`. An explicit one replaces an implicit one whatever the order;
    /// two explicit ones must agree.
    ///
    /// # Errors
    /// [`RoutingError::ConflictingConfig`] when two explicit declarations of `name` differ.
    pub(crate) fn add(
        &mut self,
        name: &str,
        config: TopicConfig,
        source: Source,
    ) -> Result<(), RoutingError> {
        let Some((declared, known)) = self
            .topics
            .iter_mut()
            .find(|(declared, _)| declared.name == name)
        else {
            let name = name.to_owned();
            let clusters = Vec::new();
            self.topics.push((
                DeclaredTopic {
                    name,
                    config,
                    clusters,
                },
                source,
            ));
            return Ok(());
        };
        match (*known, source) {
            (Source::Explicit, Source::Explicit) if declared.config != config => {
                Err(RoutingError::ConflictingConfig {
                    topic: name.to_owned(),
                })
            }
            (Source::Implicit, Source::Explicit) => {
                declared.config = config;
                *known = Source::Explicit;
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// Notes that a route on `cluster` uses the declared topic `name`.
    pub(crate) fn used_on(&mut self, name: &str, cluster: &Cluster) {
        if let Some((declared, _)) = self.topics.iter_mut().find(|(d, _)| d.name == name) {
            if !declared.clusters.contains(cluster) {
                declared.clusters.push(cluster.clone());
            }
        }
    }

    /// Checks that each of `required` has an explicit declaration that the `topics` commands
    /// manage (`strict_declarative_topics`).
    ///
    /// # Errors
    /// [`RoutingError::UndeclaredTopics`] naming every topic without one.
    pub(crate) fn check_strict(&self, required: &[Required]) -> Result<(), RoutingError> {
        let mut missing: Vec<&Required> = Vec::new();
        for need in required {
            let declared = self.topics.iter().any(|(declared, source)| {
                declared.name == need.topic()
                    && *source == Source::Explicit
                    && declared.config.is_active()
            });
            if !declared && !missing.iter().any(|known| known.topic() == need.topic()) {
                missing.push(need);
            }
        }
        if missing.is_empty() {
            return Ok(());
        }
        Err(RoutingError::UndeclaredTopics {
            topics: missing.iter().map(|need| need.topic().to_owned()).collect(),
            described: missing
                .iter()
                .map(|need| need.describe())
                .collect::<Vec<_>>()
                .join(", "),
        })
    }

    /// The topics the `topics` commands manage: every declaration but those with
    /// `active: false`, each on the clusters of the routes using it, or on `main` (the app's
    /// cluster) when no route uses it.
    pub(crate) fn managed(self, main: &Cluster) -> Vec<DeclaredTopic> {
        self.topics
            .into_iter()
            .map(|(mut declared, _)| {
                if declared.clusters.is_empty() {
                    declared.clusters.push(main.clone());
                }
                declared
            })
            .filter(|declared| declared.config.is_active())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;

    use super::*;

    const NAMES: [&str; 4] = ["orders", "orders_dlq", "outbox", "events"];

    /// The explicit config every explicit declaration of `name` gives, so none conflict.
    fn explicit_config(name: usize) -> TopicConfig {
        TopicConfig::new()
            .partitions(i32::try_from(name).unwrap_or(0) + 2)
            .setting("retention.ms", name * 1000)
    }

    /// `(name index, explicit)` per declaration.
    fn declarations() -> impl Strategy<Value = Vec<(usize, bool)>> {
        prop::collection::vec((0..NAMES.len(), any::<bool>()), 0..12)
    }

    fn merged(entries: &[(usize, bool)]) -> BTreeMap<String, TopicConfig> {
        let mut declaratives = Declaratives::default();
        for &(name, explicit) in entries {
            let (config, source) = if explicit {
                (explicit_config(name), Source::Explicit)
            } else {
                (TopicConfig::default(), Source::Implicit)
            };
            declaratives
                .add(NAMES[name], config, source)
                .expect("explicit declarations agree");
        }
        let managed = declaratives.managed(&Cluster::of(&Default::default()));
        let merged: BTreeMap<String, TopicConfig> = managed
            .iter()
            .map(|declared| (declared.name.clone(), declared.config.clone()))
            .collect();
        assert_eq!(merged.len(), managed.len(), "one declaration per name");
        merged
    }

    proptest! {
        #[test]
        fn an_explicit_declaration_wins_in_any_order(
            (entries, shuffled) in declarations()
                .prop_flat_map(|entries| (Just(entries.clone()), Just(entries).prop_shuffle()))
        ) {
            let result = merged(&entries);
            prop_assert_eq!(&result, &merged(&shuffled));
            for (name, _) in &entries {
                let any_explicit = entries.iter().any(|(n, explicit)| n == name && *explicit);
                let expected = if any_explicit { explicit_config(*name) } else { TopicConfig::default() };
                prop_assert_eq!(result.get(NAMES[*name]), Some(&expected));
            }
        }

        #[test]
        fn two_different_explicit_declarations_are_refused_by_name(
            before in declarations(),
            after in declarations(),
            name in 0..NAMES.len(),
        ) {
            let mut declaratives = Declaratives::default();
            let mut entries = before;
            entries.push((name, true));
            entries.extend(after);
            for (n, explicit) in entries {
                let (config, source) = if explicit {
                    (explicit_config(n), Source::Explicit)
                } else {
                    (TopicConfig::default(), Source::Implicit)
                };
                declaratives.add(NAMES[n], config, source).unwrap();
            }
            let other = explicit_config(name).partitions(99);
            let error = declaratives.add(NAMES[name], other, Source::Explicit).unwrap_err();
            let expected = format!("topic `{}` is declared with different configs", NAMES[name]);
            prop_assert!(error.to_string().contains(&expected), "{}", error);
        }
    }

    #[test]
    fn a_topic_lives_on_the_clusters_of_its_routes_or_on_the_apps() {
        let cluster =
            |servers: &str| Cluster::of(&[("bootstrap.servers", servers)].into_iter().collect());
        let (main, second) = (cluster("main:9092"), cluster("second:9392"));
        let mut declaratives = Declaratives::default();
        for name in ["alone", "both", "second"] {
            declaratives
                .add(name, TopicConfig::default(), Source::Implicit)
                .unwrap();
        }
        declaratives.used_on("both", &main);
        declaratives.used_on("both", &second);
        declaratives.used_on("both", &second);
        declaratives.used_on("second", &second);
        let placed: Vec<(String, Vec<Cluster>)> = declaratives
            .managed(&main)
            .into_iter()
            .map(|declared| (declared.name, declared.clusters))
            .collect();
        assert_eq!(
            placed,
            vec![
                ("alone".to_owned(), vec![main.clone()]),
                ("both".to_owned(), vec![main, second.clone()]),
                ("second".to_owned(), vec![second]),
            ]
        );
    }

    #[test]
    fn inactive_declarations_are_not_managed() {
        let mut declaratives = Declaratives::default();
        let off = TopicConfig::new().active(false);
        declaratives.add("theirs", off, Source::Explicit).unwrap();
        declaratives
            .add("theirs", TopicConfig::default(), Source::Implicit)
            .unwrap();
        declaratives
            .add("ours", TopicConfig::default(), Source::Implicit)
            .unwrap();
        let names: Vec<String> = declaratives
            .managed(&Cluster::of(&Default::default()))
            .into_iter()
            .map(|declared| declared.name)
            .collect();
        assert_eq!(names, vec!["ours".to_owned()]);
    }

    #[test]
    fn strict_mode_names_each_topic_without_an_explicit_managed_declaration() {
        let mut declaratives = Declaratives::default();
        let explicit = TopicConfig::new().partitions(3);
        declaratives
            .add("orders", explicit, Source::Explicit)
            .unwrap();
        for name in ["orders_dlq", "events"] {
            declaratives
                .add(name, TopicConfig::default(), Source::Implicit)
                .unwrap();
        }
        let off = TopicConfig::new().active(false);
        declaratives.add("theirs", off, Source::Explicit).unwrap();
        let required = [
            Required::Routed("orders".into()),
            Required::DeadLetter {
                topic: "orders_dlq".into(),
                of: "orders".into(),
            },
            Required::Routed("events".into()),
            Required::DeadLetter {
                topic: "events".into(),
                of: "other".into(),
            },
            Required::Routed("theirs".into()),
        ];
        let error = declaratives.check_strict(&required).unwrap_err();
        let RoutingError::UndeclaredTopics { topics, .. } = &error else {
            panic!("{error}");
        };
        assert_eq!(topics, &["orders_dlq", "events", "theirs"]);
        assert!(
            error
                .to_string()
                .contains("`orders_dlq` (dead-letter topic of `orders`), `events` (routed)"),
            "{error}"
        );
        assert!(declaratives.check_strict(&required[..1]).is_ok());
    }
}
