//! `topics create | delete | reset | repartition | plan | align | migrate`: the routes' declared
//! topics, applied to the cluster of each (a route's own, or the app's).

use std::collections::BTreeMap;
use std::io::{IsTerminal as _, Write as _};

use clap::{Args, Subcommand};

use crate::admin::{plan, Admin, TopicChange};
use crate::config::Cluster;
use crate::routing::{DeclaredTopic, TopicConfig};
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
fn confirm_deletion(names: &[&str]) -> anyhow::Result<bool> {
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
    let deletes = matches!(args.action, TopicsAction::Delete | TopicsAction::Reset);
    if deletes && !args.yes && std::io::stdin().is_terminal() {
        let names: Vec<&str> = app.declared.iter().map(|t| t.name.as_str()).collect();
        if !confirm_deletion(&names)? {
            anyhow::bail!("nothing deleted: not confirmed (pass --yes to skip the question)");
        }
    }
    let clusters = by_cluster(&app.declared);
    let mut changed = false;
    for (cluster, declared) in &clusters {
        // One cluster prints as before; several name the cluster each change is made on.
        if clusters.len() > 1 {
            println!("# cluster {cluster}");
        }
        let admin = Admin::for_cluster(app.config(), cluster)?;
        changed |= run_on(&admin, args.action, declared).await?;
    }
    if !changed {
        println!("No changes.");
    }
    Ok(if args.detailed_exitcode && changed {
        2
    } else {
        0
    })
}

/// The declared topics of each cluster, the clusters in the order first named.
fn by_cluster(declared: &[DeclaredTopic]) -> Vec<(&Cluster, Vec<(&str, &TopicConfig)>)> {
    let mut clusters: Vec<(&Cluster, Vec<(&str, &TopicConfig)>)> = Vec::new();
    for topic in declared {
        for cluster in &topic.clusters {
            let entry = (topic.name.as_str(), &topic.config);
            match clusters.iter_mut().find(|(known, _)| *known == cluster) {
                Some((_, topics)) => topics.push(entry),
                None => clusters.push((cluster, vec![entry])),
            }
        }
    }
    clusters
}

/// Carries out `action` for the `declared` topics of one cluster; `true` when something changed
/// (or, for `plan`, would).
async fn run_on(
    admin: &Admin,
    action: TopicsAction,
    declared: &[(&str, &TopicConfig)],
) -> anyhow::Result<bool> {
    Ok(match action {
        TopicsAction::Delete => delete(admin, declared).await?,
        TopicsAction::Reset => {
            delete(admin, declared).await?;
            for (topic, config) in declared {
                apply(admin, &[create(topic, config)]).await?;
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
                apply(admin, &changes).await?;
            } else {
                changes.iter().for_each(|change| println!("{change}"));
            }
            !changes.is_empty()
        }
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
