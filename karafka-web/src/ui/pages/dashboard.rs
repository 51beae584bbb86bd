//! `/`: totals and charts.

use maud::{html, Markup};

use super::layout::{live, page, Nav};
use super::{chart, format};
use crate::ui::board::Board;

/// The dashboard of `board` at `now_ms`.
pub fn render(board: &Board, now_ms: u64) -> Markup {
    let overview = board.overview(now_ms);
    let series = board.series();
    let figures: [(&str, &str, String, String); 7] = [
        (
            "processes-up",
            "Processes up",
            overview.processes_up.to_string(),
            format!("of {} known", overview.processes_known),
        ),
        (
            "partitions",
            "Partitions",
            overview.partitions.to_string(),
            String::new(),
        ),
        (
            "paused",
            "Paused",
            overview.paused.to_string(),
            String::new(),
        ),
        (
            "retrying",
            "Retrying",
            overview.retrying.to_string(),
            String::new(),
        ),
        ("lag", "Total lag", overview.lag.to_string(), String::new()),
        (
            "running-jobs",
            "Running jobs",
            overview.running_jobs.to_string(),
            String::new(),
        ),
        (
            "messages",
            "Messages",
            overview.messages.to_string(),
            format!("{} errors", overview.errors),
        ),
    ];
    let body = html! {
        dl #overview {
            @for (id, label, value, note) in &figures {
                div.figure id=(id) data-value=(value) {
                    dt { (label) }
                    dd { span.value { (value) } @if !note.is_empty() { small { " " (note) } } }
                }
            }
        }
        section #charts {
            (chart::line("throughput", "Messages/s", &series.throughput()))
            (chart::line("lag", "Total lag", &series.lag()))
            (chart::line("errors", &format!("Errors per {}", format::duration(series.width_ms())), &series.errors()))
        }
    };
    page(Nav::Dashboard, "Dashboard", live("dashboard", "/", body))
}
