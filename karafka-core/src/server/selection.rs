//! Which consumer groups, subscription groups and topics a server process consumes.

use std::collections::BTreeSet;

use crate::routing::{RoutingError, Subscription};

/// Narrows what a server consumes, as `server --include-topics a,b` does. Empty include lists
/// admit everything; exclude lists win over include lists.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Consume only these consumer groups.
    pub include_consumer_groups: Vec<String>,
    /// Do not consume these consumer groups.
    pub exclude_consumer_groups: Vec<String>,
    /// Consume only these subscription groups.
    pub include_subscription_groups: Vec<String>,
    /// Do not consume these subscription groups.
    pub exclude_subscription_groups: Vec<String>,
    /// Consume only these topics (or patterns, by their source).
    pub include_topics: Vec<String>,
    /// Do not consume these topics.
    pub exclude_topics: Vec<String>,
}

fn admits(include: &[String], exclude: &[String], name: &str) -> bool {
    (include.is_empty() || include.iter().any(|n| n == name)) && !exclude.iter().any(|n| n == name)
}

impl Selection {
    /// The parts of `subscriptions` this selection admits.
    ///
    /// # Errors
    /// [`RoutingError::Empty`] when the app consumes nothing (only inactive topics),
    /// [`RoutingError::UnknownSelected`] for a name no route has (a typo would otherwise leave
    /// the process consuming something else, or nothing), [`RoutingError::NothingSelected`] when
    /// nothing is left.
    pub(crate) fn apply(
        &self,
        subscriptions: Vec<Subscription>,
    ) -> Result<Vec<Subscription>, RoutingError> {
        if subscriptions.is_empty() {
            return Err(RoutingError::Empty);
        }
        let groups: BTreeSet<&str> = subscriptions.iter().map(|s| s.group_id.as_str()).collect();
        let subscription_groups: BTreeSet<&str> = subscriptions
            .iter()
            .map(|s| s.subscription_group.as_str())
            .collect();
        let topics: BTreeSet<&str> = subscriptions
            .iter()
            .flat_map(|s| s.topics.iter().map(|t| t.name.as_str()))
            .collect();
        for (option, names, known) in [
            (
                "include-consumer-groups",
                &self.include_consumer_groups,
                &groups,
            ),
            (
                "exclude-consumer-groups",
                &self.exclude_consumer_groups,
                &groups,
            ),
            (
                "include-subscription-groups",
                &self.include_subscription_groups,
                &subscription_groups,
            ),
            (
                "exclude-subscription-groups",
                &self.exclude_subscription_groups,
                &subscription_groups,
            ),
            ("include-topics", &self.include_topics, &topics),
            ("exclude-topics", &self.exclude_topics, &topics),
        ] {
            if let Some(name) = names.iter().find(|name| !known.contains(name.as_str())) {
                return Err(RoutingError::UnknownSelected {
                    option,
                    name: name.clone(),
                    known: known.iter().copied().collect::<Vec<_>>().join(", "),
                });
            }
        }
        let selected: Vec<Subscription> = subscriptions
            .into_iter()
            .filter(|s| {
                admits(
                    &self.include_consumer_groups,
                    &self.exclude_consumer_groups,
                    &s.group_id,
                )
            })
            .filter(|s| {
                admits(
                    &self.include_subscription_groups,
                    &self.exclude_subscription_groups,
                    &s.subscription_group,
                )
            })
            .filter_map(|mut s| {
                s.topics
                    .retain(|t| admits(&self.include_topics, &self.exclude_topics, &t.name));
                (!s.topics.is_empty()).then_some(s)
            })
            .collect();
        if selected.is_empty() {
            return Err(RoutingError::NothingSelected);
        }
        Ok(selected)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consumer::Noop;
    use crate::routing::{Routes, Topic};
    use crate::Config;

    fn subscriptions() -> Vec<Subscription> {
        Routes::new()
            .topic(Topic::new("orders").consumer::<Noop>())
            .topic(Topic::new("payments").consumer::<Noop>())
            .resolve(&Config::default())
            .expect("valid routes")
            .subscriptions
    }

    #[test]
    fn a_name_no_route_has_is_refused_and_named() {
        let selection = Selection {
            include_topics: vec!["orders".into(), "ordres".into()],
            ..Selection::default()
        };
        let text = selection.apply(subscriptions()).unwrap_err().to_string();
        assert!(text.contains("--include-topics names `ordres`"), "{text}");
        assert!(text.contains("orders, payments"), "{text}");
        let selection = Selection {
            exclude_consumer_groups: vec!["nope".into()],
            ..Selection::default()
        };
        let text = selection.apply(subscriptions()).unwrap_err().to_string();
        assert!(
            text.contains("--exclude-consumer-groups names `nope`"),
            "{text}"
        );
    }

    #[test]
    fn an_app_without_active_topics_has_nothing_to_serve() {
        let produce_only = Routes::new()
            .topic(Topic::new("outbox").active(false))
            .resolve(&Config::default())
            .expect("a produce-only app")
            .subscriptions;
        let text = Selection::default()
            .apply(produce_only)
            .unwrap_err()
            .to_string();
        assert!(text.contains("no active topic is routed"), "{text}");
    }

    #[test]
    fn known_names_select() {
        let selection = Selection {
            exclude_topics: vec!["payments".into()],
            ..Selection::default()
        };
        let selected = selection.apply(subscriptions()).expect("selected");
        let topics: Vec<&str> = selected
            .iter()
            .flat_map(|s| s.topics.iter().map(|t| t.name.as_str()))
            .collect();
        assert_eq!(topics, vec!["orders"]);
    }
}
