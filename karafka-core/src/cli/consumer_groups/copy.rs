//! `consumer-groups copy` and `consumer-groups rename`: carry a stopped group's offsets over to
//! another name.

use clap::Args;

use super::routed::{self, GroupTopics, Route};
use crate::admin::Admin;
use crate::App;

#[derive(Debug, Args)]
pub(in crate::cli) struct CopyArgs {
    /// The group whose offsets are copied (it must have no active members).
    #[arg(long)]
    from: String,
    /// The group the offsets are committed for (it must have no active members).
    #[arg(long)]
    to: String,
    /// A topic whose offsets are copied (repeat for more). Default: the topics the routes give
    /// `--from`, or `--to` when `--from` is not routed (a group renamed in the routes).
    #[arg(long)]
    topic: Vec<String>,
}

impl CopyArgs {
    /// The group whose cluster the copy runs on: `--from` when a route names it, else `--to`
    /// (a group renamed in the routes), else `--from`.
    pub(super) fn group(&self, app: &App) -> &str {
        routed_group(&routed::routes(app), &self.from, &self.to).unwrap_or(&self.from)
    }
}

/// `from` when a route names it, else `to` when one does.
fn routed_group<'a>(routes: &[Route<'_>], from: &'a str, to: &'a str) -> Option<&'a str> {
    [from, to]
        .into_iter()
        .find(|group| routes.iter().any(|route| route.group == *group))
}

/// What happens to `--from` after the copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Then {
    /// Nothing: `copy`.
    Keep,
    /// It is deleted: `rename`.
    Delete,
}

pub(super) async fn run(
    app: &App,
    admin: &Admin,
    args: &CopyArgs,
    then: Then,
) -> anyhow::Result<()> {
    let CopyArgs { from, to, topic } = args;
    let topics = if topic.is_empty() {
        default_topics(app, admin, from, to).await?
    } else {
        topic.clone()
    };
    let topics: Vec<&str> = topics.iter().map(String::as_str).collect();
    let copied = match then {
        Then::Keep => admin.copy_consumer_group(from, to, &topics).await?,
        Then::Delete => admin.rename_consumer_group(from, to, &topics).await?,
    };
    for (topic, partitions) in &copied {
        for (partition, offset) in partitions {
            println!("{to} {topic}/{partition} -> {offset}");
        }
    }
    if then == Then::Delete {
        println!("- delete consumer group {from}");
    }
    Ok(())
}

/// The cluster's topics the routes give `from`, or `to` when `from` is not routed.
async fn default_topics(
    app: &App,
    admin: &Admin,
    from: &str,
    to: &str,
) -> anyhow::Result<Vec<String>> {
    let cluster: Vec<String> = admin.partition_counts().await?.into_keys().collect();
    let routes = routed::routes(app);
    let Some(group) = routed_group(&routes, from, to) else {
        anyhow::bail!(
            "neither `{from}` nor `{to}` is a consumer group of the routes: name the topics with \
             --topic"
        );
    };
    let topics = GroupTopics::routed(routes, &cluster);
    Ok(topics
        .of(group)
        .into_iter()
        // A routed topic not created yet has no offsets to copy.
        .filter(|topic| cluster.iter().any(|existing| existing == topic))
        .map(str::to_owned)
        .collect())
}
