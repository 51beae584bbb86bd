//! `/errors`: recent errors with where they happened and their chain of causes.

use maud::{html, Markup};

use super::format;
use super::layout::{live, page, Nav};
use crate::ui::board::Board;

/// The errors page, of `topic` when given.
pub fn render(board: &Board, topic: Option<&str>) -> Markup {
    let href = topic.map_or_else(
        || "/errors".to_owned(),
        |topic| format!("/errors?topic={}", format::query_value(topic)),
    );
    let body = html! {
        form #error-filter method="get" action="/errors" {
            label { "Topic " input type="text" name="topic" value=[topic]; }
            " " button type="submit" { "Filter" }
            @if topic.is_some() { " " a href="/errors" { "all" } }
        }
        (live("errors-live", &href, html! {
            table #errors {
                thead { tr { th { "When" } th { "Process" } th { "Kind" } th { "Where" } th { "Error" } } }
                tbody {
                    @for error in board.errors(topic) {
                        tr.error data-topic=[error.topic.as_deref()] data-partition=[error.partition]
                            data-process-id=(error.process_id) data-kind=(error.kind) data-occurred-at=(error.occurred_at) {
                            td { (format::time(i64::try_from(error.occurred_at).unwrap_or(0))) }
                            td { (error.process_id) }
                            td.kind { (error.kind) }
                            td.coordinates {
                                @if let Some(group) = &error.group { (group) br; }
                                @if let Some(consumer) = &error.consumer { (consumer) br; }
                                @if let (Some(topic), Some(partition)) = (&error.topic, error.partition) {
                                    (topic) "/" (partition)
                                    @if let (Some(first), Some(last)) = (error.first_offset, error.last_offset) {
                                        " @ " (first) ".." (last)
                                    }
                                }
                            }
                            td.chain { (error.error) }
                        }
                    }
                }
            }
        }))
    };
    page(Nav::Errors, "Errors", body)
}
