//! `consumer-groups lag`: how far groups are behind, per partition.

use clap::Args;

use super::routed::{self, GroupTopics, Route};
use crate::admin::{Admin, PartitionLag};
use crate::App;

#[derive(Debug, Args)]
pub(in crate::cli) struct LagArgs {
    /// Only this consumer group.
    #[arg(long)]
    group: Option<String>,
    /// Only this topic.
    #[arg(long)]
    topic: Option<String>,
    /// Also list groups that have no committed offsets and no members (never consumed).
    #[arg(long)]
    allow_new: bool,
    /// Every consumer group on the cluster, not only the routes', on the topics it committed
    /// offsets on.
    #[arg(long)]
    all_groups: bool,
}

pub(super) async fn run(app: &App, args: &LagArgs) -> anyhow::Result<()> {
    let main = app.config().cluster();
    let routes = routed::routes(app);
    let mut rows = Vec::new();
    // Each cluster's groups on its own topics: a route's group lives where the route consumes.
    for cluster in routed::clusters(&main, &routes) {
        let admin = Admin::for_cluster(app.config(), cluster)?;
        let on_cluster = routes.iter().filter(|route| route.cluster == cluster);
        rows.extend(lags(&admin, on_cluster.copied(), args).await?);
    }
    println!(
        "{:<30} {:<30} {:>9} {:>12} {:>12} {:>10}",
        "group", "topic", "partition", "committed", "end", "lag"
    );
    for (group, lag) in rows {
        let committed = lag
            .committed
            .map_or_else(|| "-".to_owned(), |c| c.to_string());
        println!(
            "{group:<30} {:<30} {:>9} {committed:>12} {:>12} {:>10}",
            lag.topic, lag.partition, lag.high_watermark, lag.lag
        );
    }
    Ok(())
}

/// The lag of each `(group, topic)` of `routes` on the cluster of `admin` (and with
/// `--all-groups`, of every group of that cluster).
async fn lags<'a>(
    admin: &Admin,
    routes: impl IntoIterator<Item = Route<'a>>,
    args: &LagArgs,
) -> anyhow::Result<Vec<(String, PartitionLag)>> {
    let cluster: Vec<String> = admin.partition_counts().await?.into_keys().collect();
    let mut topics = GroupTopics::routed(routes, &cluster);
    if args.all_groups {
        add_committed(admin, args, &cluster, &mut topics).await?;
    }
    let mut rows = Vec::new();
    for pair in topics.only(args.group.as_deref(), args.topic.as_deref()) {
        let lags = admin.lag(&pair.group, &pair.topic).await?;
        // A pattern matching a topic the group has not consumed yet is no typo.
        if pair.named && !args.allow_new {
            super::refuse_new(admin, &pair.group, &pair.topic, &lags).await?;
        }
        rows.extend(lags.into_iter().map(|lag| (pair.group.clone(), lag)));
    }
    Ok(rows)
}

/// Adds, for every group on the cluster (only `--group` when given), the topics it committed
/// offsets on (only `--topic` when given).
async fn add_committed(
    admin: &Admin,
    args: &LagArgs,
    cluster: &[String],
    topics: &mut GroupTopics,
) -> anyhow::Result<()> {
    let asked: Vec<&str> = cluster
        .iter()
        .map(String::as_str)
        .filter(|topic| args.topic.as_deref().is_none_or(|only| only == *topic))
        .collect();
    if asked.is_empty() {
        return Ok(());
    }
    for listing in admin.consumer_groups().await? {
        if args
            .group
            .as_ref()
            .is_some_and(|only| *only != listing.name)
        {
            continue;
        }
        for topic in admin.committed_offsets(&listing.name, &asked).await?.keys() {
            topics.add(&listing.name, topic, false);
        }
    }
    Ok(())
}
