//! `consumer-groups lag` and `consumer-groups seek`.

use clap::Subcommand;

use crate::admin::{Admin, SeekTarget};
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
    },
}

pub(super) async fn run(app: &App, command: &ConsumerGroupsCommand) -> anyhow::Result<u8> {
    let admin = Admin::new(app.config())?;
    match command {
        ConsumerGroupsCommand::Lag { group, topic } => {
            println!(
                "{:<30} {:<30} {:>9} {:>12} {:>12} {:>10}",
                "group", "topic", "partition", "committed", "end", "lag"
            );
            for (group_id, name) in routed_topics(app) {
                if group.as_ref().is_some_and(|g| *g != group_id)
                    || topic.as_ref().is_some_and(|t| *t != name)
                {
                    continue;
                }
                for lag in admin.lag(&group_id, &name).await? {
                    let committed = lag
                        .committed
                        .map_or_else(|| "-".to_owned(), |c| c.to_string());
                    println!(
                        "{group_id:<30} {name:<30} {:>9} {committed:>12} {:>12} {:>10}",
                        lag.partition, lag.high_watermark, lag.lag
                    );
                }
            }
        }
        ConsumerGroupsCommand::Seek { group, topic, to } => {
            for (partition, offset) in admin.seek_consumer_group(group, topic, *to).await? {
                println!("{group} {topic}/{partition} -> {offset}");
            }
        }
    }
    Ok(0)
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
