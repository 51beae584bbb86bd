//! `max_memory` at start: the partitions the process may be assigned, counted on each cluster,
//! and the prefetch limits that share the budget among them.

use std::collections::BTreeMap;

use crate::admin::Admin;
use crate::config::{ByteSize, Cluster, Config, Prefetch};
use crate::routing::Subscription;
use crate::Error;

/// The partitions of `topics` (a cluster's, by name) that `subscription` consumes, and the names
/// of its routed topics that are not among them.
fn routed_partitions<'a>(
    subscription: &'a Subscription,
    topics: &BTreeMap<String, i32>,
) -> (usize, Vec<&'a str>) {
    let partitions = topics
        .iter()
        .filter(|(topic, _)| subscription.route_for(topic).is_some())
        .map(|(_, count)| usize::try_from(*count).unwrap_or_default())
        .sum();
    let missing = subscription
        .topics
        .iter()
        .filter(|route| route.pattern.is_none() && !topics.contains_key(&route.name))
        .map(|route| route.name.as_str())
        .collect();
    (partitions, missing)
}

/// Sets on every subscription the prefetch limits that share `budget` among the partitions of
/// all subscribed topics. A subscription group counts its topics' partitions once however many
/// connections multiplex it (they split its partitions); two groups subscribing one topic each
/// count it (each is assigned all of it).
///
/// # Errors
/// [`Error::Admin`] when a cluster's metadata cannot be read; [`Error::Config`] when the budget
/// is too small for the partitions, or a subscription also sets a derived setting.
pub(super) async fn share_budget(
    subscriptions: &mut [Subscription],
    config: &Config,
    budget: ByteSize,
) -> Result<(), Error> {
    let mut clusters: Vec<(Cluster, BTreeMap<String, i32>)> = Vec::new();
    let mut partitions = 0;
    for subscription in subscriptions.iter() {
        let index = match clusters
            .iter()
            .position(|(cluster, _)| *cluster == subscription.cluster)
        {
            Some(index) => index,
            None => {
                let admin = Admin::for_cluster(config, &subscription.cluster)?;
                clusters.push((
                    subscription.cluster.clone(),
                    admin.partition_counts().await?,
                ));
                clusters.len() - 1
            }
        };
        let (routed, missing) = routed_partitions(subscription, &clusters[index].1);
        partitions += routed;
        for topic in missing {
            tracing::warn!(
                "max_memory counts no partitions of topic {topic}: it does not exist yet, and \
                 once created its partitions prefetch beyond the budget until the server restarts"
            );
        }
    }
    let prefetch = Prefetch::share(budget, partitions)?;
    for subscription in subscriptions.iter_mut() {
        prefetch.apply(&mut subscription.kafka)?;
    }
    tracing::info!(
        "max_memory {} shared by {partitions} partition(s) of the subscribed topics: each \
         holds at most {} ahead of its handler, {} KiB queued (queued.max.messages.kbytes) \
         and a fetch of {} bytes (fetch.message.max.bytes)",
        budget.display().iec(),
        ByteSize::b(prefetch.per_partition()).display().iec(),
        prefetch.queue_kbytes,
        prefetch.fetch_bytes
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consumer::Noop;
    use crate::routing::{Routes, Topic};

    fn cluster() -> BTreeMap<String, i32> {
        [
            ("orders", 6),
            ("payments", 3),
            ("audit.eu", 2),
            ("audit.us", 4),
        ]
        .into_iter()
        .map(|(topic, partitions)| (topic.to_owned(), partitions))
        .collect()
    }

    #[test]
    fn routed_topics_and_pattern_matches_count_and_missing_topics_are_named() {
        let subscriptions = Routes::new()
            .topic(Topic::new("orders").consumer::<Noop>())
            .topic(Topic::pattern("audit\\..*").consumer::<Noop>())
            .topic(Topic::new("refunds").consumer::<Noop>())
            .resolve(&Config::default())
            .expect("valid routes")
            .subscriptions;
        assert_eq!(subscriptions.len(), 1);
        let (partitions, missing) = routed_partitions(&subscriptions[0], &cluster());
        assert_eq!(
            partitions,
            6 + 2 + 4,
            "orders and both audit topics, not payments"
        );
        assert_eq!(missing, ["refunds"]);
    }
}
