//! `consumer-groups lag | seek | copy | rename | delete`: consumer groups' offsets, read and
//! moved from outside the groups.

mod copy;
mod lag;
mod routed;
mod seek;

use clap::{Args, Subcommand};

use crate::admin::{Admin, PartitionLag};
use crate::App;

#[derive(Debug, Subcommand)]
pub(super) enum ConsumerGroupsCommand {
    /// Print how far each consumer group of the routes is behind, per partition (pattern routes
    /// on the cluster's topics they match).
    Lag(lag::LagArgs),
    /// Move a stopped consumer group's offsets on a topic: replay from an earlier point, or skip.
    Seek(seek::SeekArgs),
    /// Commit for a stopped group the offsets another stopped group committed.
    Copy(copy::CopyArgs),
    /// Copy a stopped group's offsets to a new name, then delete the old group.
    Rename(copy::CopyArgs),
    /// Delete a stopped consumer group and every offset it committed.
    Delete(DeleteArgs),
}

#[derive(Debug, Args)]
pub(super) struct DeleteArgs {
    /// The consumer group (it must have no active members).
    #[arg(long)]
    group: String,
}

pub(super) async fn run(app: &App, command: &ConsumerGroupsCommand) -> anyhow::Result<u8> {
    // Every command but `lag` (which visits each cluster) runs on the cluster of its group.
    let admin = |group: &str, topic: Option<&str>| {
        let main = app.config().cluster();
        let routes = routed::routes(app);
        Admin::for_cluster(
            app.config(),
            routed::cluster_for(&main, &routes, group, topic),
        )
    };
    match command {
        ConsumerGroupsCommand::Lag(args) => lag::run(app, args).await?,
        ConsumerGroupsCommand::Seek(args) => {
            seek::run(&admin(&args.group, Some(args.topic.as_str()))?, args).await?
        }
        ConsumerGroupsCommand::Copy(args) => {
            copy::run(app, &admin(args.group(app), None)?, args, copy::Then::Keep).await?
        }
        ConsumerGroupsCommand::Rename(args) => {
            copy::run(
                app,
                &admin(args.group(app), None)?,
                args,
                copy::Then::Delete,
            )
            .await?
        }
        ConsumerGroupsCommand::Delete(DeleteArgs { group }) => {
            admin(group, None)?.delete_consumer_group(group).await?;
            println!("- delete consumer group {group}");
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
