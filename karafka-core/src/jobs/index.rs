//! Which topic each job type of the app is enqueued to, from the routes.

use std::collections::BTreeMap;

use super::JobRegistry;

/// Every job type the routes register, with its topic.
#[derive(Debug, Clone, Default)]
pub(crate) struct JobIndex {
    topics: BTreeMap<&'static str, String>,
}

/// A job type registered on two different topics: enqueueing could not choose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RoutedTwice {
    pub(crate) job: &'static str,
    pub(crate) topics: [String; 2],
}

impl JobIndex {
    /// Notes that `topic` performs the job types of `registry`. A type may be registered on one
    /// topic by several consumer groups, not on two topics.
    pub(crate) fn add(&mut self, topic: &str, registry: &JobRegistry) -> Result<(), RoutedTwice> {
        for job in registry.names() {
            match self.topics.get(job) {
                Some(known) if known != topic => {
                    return Err(RoutedTwice {
                        job,
                        topics: [known.clone(), topic.to_owned()],
                    })
                }
                Some(_) => {}
                None => {
                    self.topics.insert(job, topic.to_owned());
                }
            }
        }
        Ok(())
    }

    /// The topic of the job type named `job`.
    pub(crate) fn topic_of(&self, job: &str) -> Option<&str> {
        self.topics.get(job).map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// A registry of the job type names given, as routes would register them.
    fn registry(names: &[&'static str]) -> JobRegistry {
        let mut registry = JobRegistry::default();
        for name in names {
            registry.register_named(name);
        }
        registry
    }

    const NAMES: [&str; 4] = ["A", "B", "C", "D"];

    proptest! {
        /// Whatever the routes, a type is found on the one topic that registers it, and a type
        /// registered on two topics is refused.
        #[test]
        fn every_type_has_one_topic_or_the_routes_are_refused(
            routes in proptest::collection::vec(
                ("[xyz]", proptest::collection::vec(0usize..4, 0..4)),
                0..6,
            ),
        ) {
            let mut index = JobIndex::default();
            let mut expected: BTreeMap<&str, &str> = BTreeMap::new();
            let mut conflict = false;
            for (topic, jobs) in &routes {
                let names: Vec<&'static str> = jobs.iter().map(|&i| NAMES[i]).collect();
                for name in &names {
                    match expected.get(name) {
                        Some(known) if known != topic => conflict = true,
                        _ => { expected.insert(name, topic); }
                    }
                }
                if conflict {
                    prop_assert!(index.add(topic, &registry(&names)).is_err());
                    break;
                }
                prop_assert!(index.add(topic, &registry(&names)).is_ok());
            }
            if !conflict {
                for name in NAMES {
                    prop_assert_eq!(index.topic_of(name), expected.get(name).copied());
                }
            }
        }
    }

    #[test]
    fn a_type_on_two_topics_names_both() {
        let mut index = JobIndex::default();
        index.add("fast", &registry(&["A"])).unwrap();
        index.add("fast", &registry(&["A"])).unwrap();
        assert_eq!(
            index.add("slow", &registry(&["B", "A"])),
            Err(RoutedTwice {
                job: "A",
                topics: ["fast".into(), "slow".into()]
            })
        );
    }
}
