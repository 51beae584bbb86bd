//! `/cluster`: brokers, topics, partitions, replicas and in-sync replicas.

use karafka::admin::ClusterLayout;
use maud::{html, Markup};

use super::layout::{page, Nav};

/// The cluster page.
pub fn render(cluster: &ClusterLayout) -> Markup {
    let under: usize = cluster
        .topics
        .iter()
        .flat_map(|topic| &topic.partitions)
        .filter(|partition| partition.under_replicated())
        .count();
    let list = |ids: &[i32]| {
        ids.iter()
            .map(i32::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let body = html! {
        p #under-replicated data-value=(under) class=[(under > 0).then_some("warning")] {
            (under) " under-replicated partition(s)"
        }
        h2 { "Brokers" }
        table #brokers {
            thead { tr { th { "Id" } th { "Host" } th { "Port" } } }
            tbody {
                @for broker in &cluster.brokers {
                    tr.broker data-id=(broker.id) { td { (broker.id) } td { (broker.host) } td { (broker.port) } }
                }
            }
        }
        h2 { "Topics" }
        table #cluster-topics {
            thead { tr { th { "Topic" } th { "Partition" } th { "Leader" } th { "Replicas" } th { "In sync" } } }
            tbody {
                // Internal topics last: the app's topics are what one looks for.
                @for topic in cluster.topics.iter().filter(|t| !t.internal).chain(cluster.topics.iter().filter(|t| t.internal)) {
                    @for partition in &topic.partitions {
                        tr.partition.under-replicated[partition.under_replicated()] data-topic=(topic.name)
                            data-partition=(partition.id) data-internal=(topic.internal)
                            data-under-replicated=(partition.under_replicated()) {
                            td { (topic.name) } td { (partition.id) } td.leader { (partition.leader) }
                            td.replicas { (list(&partition.replicas)) } td.isr { (list(&partition.in_sync)) }
                        }
                    }
                }
            }
        }
    };
    page(Nav::Cluster, "Cluster", body)
}
