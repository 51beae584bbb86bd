//! `topics create | delete | reset | repartition | plan | align | migrate`: the routes' declared
//! topics, applied to the cluster.

use std::collections::BTreeMap;
use std::io::{IsTerminal as _, Write as _};

use clap::{Args, Subcommand};

use crate::admin::{plan, Admin, TopicChange};
use crate::routing::TopicConfig;
use crate::App;

#[derive(Debug, Args)]
pub(super) struct TopicsArgs {
    #[command(subcommand)]
    action: TopicsAction,
    /// Exit with 0 when nothing changed (or would change), 2 when something did, 1 on errors.
    #[arg(long, global = true)]
    detailed_exitcode: bool,
    /// Delete (`delete`, `reset`) without asking; on a terminal they ask first.
    #[arg(long, global = true)]
    yes: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Subcommand)]
enum TopicsAction {
    /// Create the declared topics that do not exist.
    Create,
    /// Delete the declared topics that exist.
    Delete,
    /// Delete and recreate the declared topics (their messages are lost).
    Reset,
    /// Add partitions where the cluster has fewer than declared.
    Repartition,
    /// Print what `migrate` would change; change nothing.
    Plan,
    /// Set the declared topic-level settings where they differ.
    Align,
    /// Create, repartition and align: make the cluster match the routes.
    Migrate,
}

impl TopicsAction {
    fn takes(self, change: &TopicChange) -> bool {
        match self {
            Self::Create => matches!(change, TopicChange::Create { .. }),
            Self::Repartition => matches!(change, TopicChange::Repartition { .. }),
            Self::Align => matches!(change, TopicChange::Align { .. }),
            Self::Migrate | Self::Plan => true,
            Self::Delete | Self::Reset => false,
        }
    }
}

/// Asks on the terminal whether to delete the declared topics; `true` on yes.
fn confirm_deletion(declared: &[(&str, &TopicConfig)]) -> anyhow::Result<bool> {
    let names: Vec<&str> = declared.iter().map(|(name, _)| *name).collect();
    eprint!(
        "Delete the topics {} and every message in them? [y/N] ",
        names.join(", ")
    );
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer)?;
    Ok(is_yes(&answer))
}

/// Whether a typed answer means yes.
fn is_yes(answer: &str) -> bool {
    matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}

pub(super) async fn run(app: &App, args: &TopicsArgs) -> anyhow::Result<u8> {
    let admin = Admin::new(app.config())?;
    let declared: Vec<(&str, &TopicConfig)> = app
        .declared
        .iter()
        .map(|topic| (topic.name.as_str(), &topic.config))
        .collect();
    let deletes = matches!(args.action, TopicsAction::Delete | TopicsAction::Reset);
    if deletes && !args.yes && std::io::stdin().is_terminal() && !confirm_deletion(&declared)? {
        anyhow::bail!("nothing deleted: not confirmed (pass --yes to skip the question)");
    }
    let changed = match args.action {
        TopicsAction::Delete => delete(&admin, &declared).await?,
        TopicsAction::Reset => {
            delete(&admin, &declared).await?;
            for (topic, config) in &declared {
                apply(&admin, &[create(topic, config)]).await?;
            }
            !declared.is_empty()
        }
        action => {
            let cluster = admin.cluster_topics(declared.iter().copied()).await?;
            let changes: Vec<TopicChange> = plan(declared.iter().copied(), &cluster)?
                .into_iter()
                .filter(|change| action.takes(change))
                .collect();
            if action != TopicsAction::Plan {
                apply(&admin, &changes).await?;
            } else {
                changes.iter().for_each(|change| println!("{change}"));
            }
            !changes.is_empty()
        }
    };
    if !changed {
        println!("No changes.");
    }
    Ok(if args.detailed_exitcode && changed {
        2
    } else {
        0
    })
}

fn create(topic: &str, config: &TopicConfig) -> TopicChange {
    TopicChange::Create {
        topic: topic.to_owned(),
        config: config.clone(),
    }
}

/// Carries out `changes` in order, printing each; settings of one topic change in one request.
async fn apply(admin: &Admin, changes: &[TopicChange]) -> anyhow::Result<()> {
    let mut alignments: BTreeMap<&str, BTreeMap<String, String>> = BTreeMap::new();
    for change in changes {
        println!("{change}");
        match change {
            TopicChange::Create { topic, config } => admin.create_topic_with(topic, config).await?,
            TopicChange::Repartition { topic, to, .. } => {
                admin.create_partitions(topic, *to).await?
            }
            TopicChange::Align { topic, key, to, .. } => {
                alignments
                    .entry(topic)
                    .or_default()
                    .insert(key.clone(), to.clone());
            }
        }
    }
    for (topic, settings) in alignments {
        admin.alter_topic_settings(topic, &settings).await?;
    }
    Ok(())
}

async fn delete(admin: &Admin, declared: &[(&str, &TopicConfig)]) -> anyhow::Result<bool> {
    let existing = admin.partition_counts().await?;
    let mut deleted = false;
    for (topic, _) in declared
        .iter()
        .filter(|(topic, _)| existing.contains_key(*topic))
    {
        println!("- delete {topic}");
        admin.delete_topic(topic).await?;
        deleted = true;
    }
    Ok(deleted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_yes_confirms() {
        for answer in ["y\n", "Y", " yes \n", "YES"] {
            assert!(is_yes(answer), "{answer:?}");
        }
        for answer in ["", "\n", "n", "no", "yess", "ok"] {
            assert!(!is_yes(answer), "{answer:?}");
        }
    }
}
