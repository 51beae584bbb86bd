//! `consumer-groups lag` and `consumer-groups seek`.

use clap::Subcommand;

use crate::admin::{Admin, PartitionLag, SeekTarget};
use crate::App;

#[derive(Debug, Subcommand)]
pub(super) enum ConsumerGroupsCommand {
    /// Print how far each consumer group of the routes is behind, per partition.
    Lag {
        /// Only this consumer group.
        #[arg(long)]
        group: Option<String>,
        /// Only this topic.
        #[arg(long)]
        topic: Option<String>,
        /// Also list groups that have no committed offsets and no members (never consumed).
        #[arg(long)]
        allow_new: bool,
    },
    /// Move a stopped consumer group's offsets on a topic: replay from an earlier point, or skip.
    Seek {
        /// The consumer group (it must have no active members).
        #[arg(long)]
        group: String,
        /// The topic.
        #[arg(long)]
        topic: String,
        /// An offset, an RFC 3339 time (2026-11-25T10:00:00Z), `earliest` or `latest`.
        #[arg(long)]
        to: SeekTarget,
        /// Also seek a group that has no committed offsets and no members (creating its offsets).
        #[arg(long)]
        allow_new: bool,
    },
}

pub(super) async fn run(app: &App, command: &ConsumerGroupsCommand) -> anyhow::Result<u8> {
    let admin = Admin::new(app.config())?;
    match command {
        ConsumerGroupsCommand::Lag {
            group,
            topic,
            allow_new,
        } => {
            let mut rows = Vec::new();
            for (group_id, name) in routed_topics(app) {
                if group.as_ref().is_some_and(|g| *g != group_id)
                    || topic.as_ref().is_some_and(|t| *t != name)
                {
                    continue;
                }
                let lags = admin.lag(&group_id, &name).await?;
                if !allow_new {
                    refuse_new(&admin, &group_id, &name, &lags).await?;
                }
                rows.extend(lags.into_iter().map(|lag| (group_id.clone(), lag)));
            }
            println!(
                "{:<30} {:<30} {:>9} {:>12} {:>12} {:>10}",
                "group", "topic", "partition", "committed", "end", "lag"
            );
            for (group_id, lag) in rows {
                let committed = lag
                    .committed
                    .map_or_else(|| "-".to_owned(), |c| c.to_string());
                println!(
                    "{group_id:<30} {:<30} {:>9} {committed:>12} {:>12} {:>10}",
                    lag.topic, lag.partition, lag.high_watermark, lag.lag
                );
            }
        }
        ConsumerGroupsCommand::Seek {
            group,
            topic,
            to,
            allow_new,
        } => {
            if !allow_new {
                refuse_new(&admin, group, topic, &admin.lag(group, topic).await?).await?;
            }
            for (partition, offset) in admin.seek_consumer_group(group, topic, *to).await? {
                println!("{group} {topic}/{partition} -> {offset}");
            }
        }
    }
    Ok(0)
}

/// Refuses a group with no committed offsets on `topic` (`lags`) and no members: it has never
/// consumed the topic, most likely a mistyped name, which would otherwise read as a brand-new
/// group (or get created).
async fn refuse_new(
    admin: &Admin,
    group: &str,
    topic: &str,
    lags: &[PartitionLag],
) -> anyhow::Result<()> {
    if lags.iter().any(|lag| lag.committed.is_some()) || admin.active_members(group).await? > 0 {
        return Ok(());
    }
    anyhow::bail!(
        "consumer group `{group}` has no committed offsets on `{topic}` and no members: it has \
         never consumed it (is the name right?); pass --allow-new to go on anyway"
    )
}

/// `(consumer group, topic)` of every routed topic (patterns left out).
fn routed_topics(app: &App) -> Vec<(String, String)> {
    let mut topics: Vec<(String, String)> = app
        .subscriptions
        .iter()
        .flat_map(|s| {
            s.topics
                .iter()
                .filter(|route| route.pattern.is_none())
                .map(|route| (s.group_id.clone(), route.name.clone()))
        })
        .collect();
    topics.dedup();
    topics
}
