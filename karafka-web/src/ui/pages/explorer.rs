//! `/explorer`: topics, then a topic's partitions, then a partition's messages.

use std::collections::{BTreeMap, BTreeSet};

use karafka::Message;
use maud::{html, Markup};

use super::layout::{notice, page, Nav};
use super::messages;

/// Every topic and its partition count.
pub fn topics(topics: &BTreeMap<String, i32>) -> Markup {
    let body = html! {
        table #topics {
            thead { tr { th { "Topic" } th { "Partitions" } } }
            tbody {
                @for (topic, partitions) in topics {
                    tr.topic data-topic=(topic) data-partitions=(partitions) {
                        td { a href={ "/explorer/" (topic) } { (topic) } } td { (partitions) }
                    }
                }
            }
        }
    };
    page(Nav::Explorer, "Explorer", body)
}

/// A topic's partitions and their low and high watermarks.
pub fn partitions(topic: &str, watermarks: &[(i32, i64, i64)]) -> Markup {
    let body = html! {
        table #partitions data-topic=(topic) {
            thead { tr { th { "Partition" } th { "Low" } th { "High" } th { "Messages" } } }
            tbody {
                @for (partition, low, high) in watermarks {
                    tr.partition data-topic=(topic) data-partition=(partition) data-low=(low) data-high=(high) {
                        td { a href={ "/explorer/" (topic) "/" (partition) } { (partition) } }
                        td.low { (low) } td.high { (high) } td { (high - low) }
                    }
                }
            }
        }
    };
    page(Nav::Explorer, &format!("Explorer: {topic}"), body)
}

/// Messages of one partition.
#[derive(Debug, Clone)]
pub struct Partition<'a> {
    /// The topic.
    pub topic: &'a str,
    /// The partition.
    pub partition: i32,
    /// Its low and high watermarks.
    pub watermarks: (i64, i64),
    /// The first offset shown.
    pub from: i64,
    /// How many messages a page shows.
    pub page_size: i64,
    /// The messages.
    pub messages: &'a [Message],
    /// `web.hidden_payloads`.
    pub hidden: &'a BTreeSet<String>,
    /// Why nothing could be read, if so.
    pub problem: Option<String>,
}

/// The messages of a partition, with jumps to an offset or a time.
pub fn messages(shown: &Partition<'_>) -> Markup {
    let (low, high) = shown.watermarks;
    let here = format!("/explorer/{}/{}", shown.topic, shown.partition);
    let previous = (shown.from - shown.page_size).max(low);
    let next = shown.from + shown.page_size;
    let body = html! {
        p.watermarks data-low=(low) data-high=(high) { "Offsets " (low) " to " (high - 1) }
        form #jump method="get" action=(here) {
            label { "Offset " input type="number" name="offset" value=(shown.from); }
            " " label { "or time (UTC, ms since epoch or RFC 3339) " input type="text" name="time"; }
            " " button type="submit" { "Go" }
        }
        nav.pages {
            @if shown.from > low { a.previous href={ (here) "?offset=" (previous) } { "← previous" } " " }
            @if next < high { a.next href={ (here) "?offset=" (next) } { "next →" } }
        }
        @if let Some(problem) = &shown.problem { (notice("error", problem)) }
        table #messages data-topic=(shown.topic) data-partition=(shown.partition) {
            thead { tr { th { "Offset" } th { "Time" } th { "Key" } th { "Headers" } th { "Payload" } } }
            tbody {
                @for message in shown.messages {
                    @let hidden = is_hidden(message, shown.hidden);
                    tr.message data-offset=(message.offset()) {
                        td.offset { (message.offset()) }
                        td { (messages::time(message.timestamp_millis())) }
                        td { (messages::key(message.key())) }
                        td.headers {
                            @for header in message.headers().iter() {
                                div.header {
                                    code { (header.key) } ": "
                                    @if hidden { span.hidden { "hidden" } }
                                    @else { (header.value.as_deref().map(super::format::lossless).unwrap_or_default()) }
                                }
                            }
                        }
                        td { (messages::payload(message.raw_payload(), hidden)) }
                    }
                }
            }
        }
    };
    page(
        Nav::Explorer,
        &format!("Explorer: {}/{}", shown.topic, shown.partition),
        body,
    )
}

/// Whether `message`'s payload and header values must not be shown: its topic, or the topic a
/// dead letter came from (its `original_topic` header), is in `web.hidden_payloads`.
pub fn is_hidden(message: &Message, hidden: &BTreeSet<String>) -> bool {
    hidden.contains(message.topic())
        || message
            .headers()
            .get_str(karafka::middleware::dead_letter_queue::headers::TOPIC)
            .is_some_and(|origin| hidden.contains(origin))
}
