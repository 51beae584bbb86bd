//! `dlq list|show|replay`: the dead letters of the app's dead-letter topics on the command line.

use std::fmt::Write as _;

use clap::{Args, Subcommand};
use karafka::admin::Admin;
use karafka::App;

use crate::dlq::{dead_letter_topics, DeadLetter, DeadLetters};

#[derive(Debug, Subcommand)]
pub(super) enum DlqCommand {
    /// List dead letters of a topic (the routes' dead-letter topics when none is named).
    List {
        /// The dead-letter topic.
        topic: Option<String>,
        #[command(flatten)]
        range: Range,
    },
    /// Show one dead letter with its payload.
    Show {
        /// The dead-letter topic.
        topic: String,
        /// Its partition.
        partition: i32,
        /// Its offset.
        offset: i64,
    },
    /// Replay dead letters to their source topics (a header counts replays; more than
    /// `web.max_replays` are refused).
    Replay {
        /// The dead-letter topic.
        topic: String,
        /// Its partition.
        partition: i32,
        /// The first offset to replay.
        first: i64,
        /// The last offset to replay (default: `first`).
        last: Option<i64>,
    },
}

#[derive(Debug, Args)]
pub(super) struct Range {
    /// The partition.
    #[arg(long, default_value_t = 0)]
    partition: i32,
    /// The first offset (default: the partition's start).
    #[arg(long)]
    from: Option<i64>,
    /// How many.
    #[arg(long, default_value_t = 20)]
    count: usize,
}

pub(super) async fn run(app: &App, command: DlqCommand) -> anyhow::Result<u8> {
    let admin = Admin::new(app.config())?;
    let letters = DeadLetters::new(
        admin.clone(),
        app.producer().clone(),
        app.config().web.clone(),
    );
    match command {
        DlqCommand::List { topic, range } => {
            let topics = match topic {
                Some(topic) => vec![topic],
                None => dead_letter_topics(&app.routes()).into_keys().collect(),
            };
            if topics.is_empty() {
                anyhow::bail!("no route has a dead-letter topic; name one: dlq list <topic>");
            }
            for topic in topics {
                let from = match range.from {
                    Some(from) => from,
                    None => admin.watermarks(&topic, range.partition).await?.0,
                };
                let listed = letters
                    .list(&topic, range.partition, from, range.count)
                    .await?;
                println!(
                    "{topic}/{}: {} dead letter(s) from offset {from}",
                    range.partition,
                    listed.len()
                );
                for letter in &listed {
                    println!("  {}", summary(letter));
                }
            }
            Ok(0)
        }
        DlqCommand::Show {
            topic,
            partition,
            offset,
        } => {
            let letter = letters
                .list(&topic, partition, offset, 1)
                .await?
                .into_iter()
                .find(|letter| letter.offset == offset)
                .ok_or_else(|| {
                    anyhow::anyhow!("no message at {topic}/{partition} offset {offset}")
                })?;
            println!("{}", summary(&letter));
            let payload = if letter.hidden {
                "(hidden: web.hidden_payloads)".to_owned()
            } else {
                letter.payload.as_deref().map_or_else(
                    || "(none)".to_owned(),
                    |p| String::from_utf8_lossy(p).into_owned(),
                )
            };
            println!("payload: {payload}");
            Ok(0)
        }
        DlqCommand::Replay {
            topic,
            partition,
            first,
            last,
        } => {
            let replayed = letters
                .replay(&topic, partition, first, last.unwrap_or(first))
                .await?;
            for replay in replayed {
                println!(
                    "{topic}/{partition} offset {} -> {}/{} offset {}",
                    replay.offset, replay.to_topic, replay.to_partition, replay.to_offset
                );
            }
            Ok(0)
        }
    }
}

/// One line: where the dead letter is, where it came from, why, how often it was replayed.
fn summary(letter: &DeadLetter) -> String {
    let mut line = format!("offset {}", letter.offset);
    if let (Some(topic), Some(partition), Some(offset)) = (
        &letter.original_topic,
        letter.original_partition,
        letter.original_offset,
    ) {
        let _ = write!(line, " from {topic}/{partition} offset {offset}");
    }
    if let Some(error) = &letter.error {
        let _ = write!(line, ": {error}");
    }
    if letter.replays > 0 {
        let _ = write!(line, " (replayed {} time(s))", letter.replays);
    }
    line
}
