//! `consumer-groups seek`: move a stopped group's offsets on a topic.

use clap::Args;

use crate::admin::{Admin, SeekTarget};

#[derive(Debug, Args)]
pub(in crate::cli) struct SeekArgs {
    /// The consumer group (it must have no active members).
    #[arg(long)]
    pub(super) group: String,
    /// The topic.
    #[arg(long)]
    pub(super) topic: String,
    /// An offset, an RFC 3339 time (2026-11-25T10:00:00Z), `earliest` or `latest`.
    #[arg(long)]
    to: SeekTarget,
    /// Also seek a group that has no committed offsets and no members (creating its offsets).
    #[arg(long)]
    allow_new: bool,
}

pub(super) async fn run(admin: &Admin, args: &SeekArgs) -> anyhow::Result<()> {
    let SeekArgs {
        group,
        topic,
        to,
        allow_new,
    } = args;
    if !allow_new {
        super::refuse_new(admin, group, topic, &admin.lag(group, topic).await?).await?;
    }
    for (partition, offset) in admin.seek_consumer_group(group, topic, *to).await? {
        println!("{group} {topic}/{partition} -> {offset}");
    }
    Ok(())
}
