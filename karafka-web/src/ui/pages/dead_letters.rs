//! `/dead_letters`: the dead-letter topics of the routes, and the messages of one, with replay.

use std::collections::BTreeMap;

use maud::{html, Markup};

use super::layout::{notice, page, Nav};
use super::messages;
use crate::dlq::DeadLetter;

/// The dead-letter topics, each with the topics that send to it.
pub fn index(topics: &BTreeMap<String, Vec<String>>) -> Markup {
    let body = html! {
        ul #dead-letter-topics {
            @for (topic, sources) in topics {
                li.dead-letter-topic data-topic=(topic) {
                    a href={ "/dead_letters/" (topic) } { (topic) }
                    " ← " (sources.join(", "))
                }
            }
        }
        @if topics.is_empty() { p.empty { "No route sends failures to a dead-letter topic." } }
    };
    page(Nav::DeadLetters, "Dead letters", body)
}

/// One partition of a dead-letter topic, and the range shown.
#[derive(Debug, Clone)]
pub struct Listing<'a> {
    /// The dead-letter topic.
    pub topic: &'a str,
    /// Its partition counts (to switch partitions).
    pub partitions: i32,
    /// The partition shown.
    pub partition: i32,
    /// Its messages shown, oldest first.
    pub letters: &'a [DeadLetter],
    /// Why nothing could be read, if so.
    pub problem: Option<String>,
}

/// The messages of one dead-letter partition.
pub fn topic(listing: &Listing<'_>) -> Markup {
    let topic = listing.topic;
    let action = format!("/dead_letters/{topic}/replay");
    let body = html! {
        nav.partitions {
            "Partition: "
            @for partition in 0..listing.partitions {
                a href={ "/dead_letters/" (topic) "?partition=" (partition) }
                    class=[(partition == listing.partition).then_some("active")] { (partition) } " "
            }
        }
        @if let Some(problem) = &listing.problem { (notice("error", problem)) }
        @if listing.partitions > 0 { (letters(listing, &action)) }
    };
    page(Nav::DeadLetters, &format!("Dead letters: {topic}"), body)
}

/// The replay form and the table of a partition's dead letters.
fn letters(listing: &Listing<'_>, action: &str) -> Markup {
    let topic = listing.topic;
    html! {
        form #replay-range method="post" action=(action) hx-post=(action) hx-target="#flash" {
            input type="hidden" name="partition" value=(listing.partition);
            "Replay offsets "
            input type="number" name="first" required placeholder="first";
            " to " input type="number" name="last" required placeholder="last";
            " " button.replay type="submit" { "Replay range" }
        }
        table #dead-letters data-topic=(topic) data-partition=(listing.partition) {
            thead { tr { th { "Offset" } th { "Time" } th { "From" } th { "Error" } th { "Replays" } th { "Key" } th { "Payload" } th {} } }
            tbody {
                @for letter in listing.letters {
                    (row(letter, action))
                }
            }
        }
        @if listing.letters.is_empty() && listing.problem.is_none() { p.empty { "No dead letter in this partition." } }
    }
}

fn row(letter: &DeadLetter, action: &str) -> Markup {
    html! {
        tr.dead-letter data-partition=(letter.partition) data-offset=(letter.offset) data-replays=(letter.replays)
            data-original-topic=[letter.original_topic.as_deref()] data-original-partition=[letter.original_partition]
            data-original-offset=[letter.original_offset] {
            td.offset { (letter.offset) }
            td { (messages::time(letter.timestamp_ms)) }
            td.original {
                @if let Some(original) = &letter.original_topic {
                    (original) "/" (letter.original_partition.map_or_else(|| "?".to_owned(), |p| p.to_string()))
                    " @ " (letter.original_offset.map_or_else(|| "?".to_owned(), |o| o.to_string()))
                    @if let Some(group) = &letter.original_consumer_group { br; small { (group) } }
                } @else { "-" }
            }
            td.error { (letter.error.as_deref().unwrap_or("-")) }
            td.replays { (letter.replays) }
            td { (messages::key(letter.key.as_deref())) }
            td { (messages::payload(letter.payload.as_deref(), letter.hidden)) }
            td {
                form method="post" action=(action) hx-post=(action) hx-target="#flash" {
                    input type="hidden" name="partition" value=(letter.partition);
                    input type="hidden" name="first" value=(letter.offset);
                    input type="hidden" name="last" value=(letter.offset);
                    button.replay type="submit" { "Replay" }
                }
            }
        }
    }
}
