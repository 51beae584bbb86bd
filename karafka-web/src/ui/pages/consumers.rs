//! `/consumers`: every process, its groups and partitions, its running jobs, and the buttons
//! that command them.

use maud::{html, Markup};

use super::format;
use super::layout::{live, page, Nav};
use crate::commands::Command;
use crate::report::{GroupReport, PartitionReport, PartitionState, ProcessState};
use crate::ui::actions;
use crate::ui::board::{Board, Process};

/// The consumers page of `board` at `now_ms`.
pub fn render(board: &Board, now_ms: u64) -> Markup {
    let body = html! {
        div #processes data-count=(board.processes().count()) {
            @for process in board.processes() {
                (process_section(process, now_ms))
            }
            @if board.processes().next().is_none() {
                p.empty { "No process has reported yet." }
            }
        }
        (answers(board))
    };
    page(
        Nav::Consumers,
        "Consumers",
        live("consumers", "/consumers", body),
    )
}

fn process_section(process: &Process, now_ms: u64) -> Markup {
    let report = process.report();
    let info = &report.process;
    let up = process.is_up(now_ms);
    html! {
        section.process data-process-id=(info.id) data-up=(up) {
            // One form per process: every button names its command (see `actions`).
            form method="post" action="/commands" hx-post="/commands" hx-target="#flash" {
                input type="hidden" name="process_id" value=(info.id);
                // A gone process takes no command: its buttons are disabled.
                fieldset.process-body disabled[!up] {
                    h2 {
                        span.process-id { (info.id) }
                        " "
                        span class={ "process-state " (if up { "up" } else { "down" }) } data-state=(process_state(info.state)) {
                            (if up { process_state(info.state) } else { "gone" })
                        }
                    }
                    p.process-info {
                        "pid " (info.pid) " · " (format::bytes(info.rss_bytes)) " · concurrency " (info.concurrency)
                        " · v" (info.version) " · reported " (format::duration(now_ms.saturating_sub(report.dispatched_at))) " ago"
                        " · " span.messages data-value=(report.counters.messages) { (report.counters.messages) " messages" }
                        " · " span.errors data-value=(report.counters.errors) { (report.counters.errors) " errors" }
                    }
                    p.process-commands {
                        (button(&Command::Quiet, "Quiet", "quiet"))
                        " "
                        (button(&Command::Stop, "Stop", "stop danger"))
                    }
                    @for group in &report.groups {
                        (group_table(&info.id, group))
                    }
                    @if !report.jobs.is_empty() {
                        table.jobs {
                            thead { tr { th { "Group" } th { "Consumer" } th { "Topic" } th { "Partition" } th { "Running" } } }
                            tbody {
                                @for job in &report.jobs {
                                    tr.job data-topic=(job.topic) data-partition=(job.partition) data-running-ms=(job.running_ms) {
                                        td { (job.group) } td { (job.consumer) @if job.long_running { " (long-running)" } }
                                        td { (job.topic) } td { (job.partition) }
                                        td.running { (format::duration(job.running_ms)) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn group_table(process_id: &str, group: &GroupReport) -> Markup {
    html! {
        div.group data-group=(group.name) data-poll-age-ms=(group.poll_age_ms) data-joined=(group.joined) {
            h3 { (group.name) " " small.poll-age { "polled " (format::duration(group.poll_age_ms)) " ago" @if !group.joined { " · not joined" } } }
            table.partitions {
                thead { tr { th { "Topic" } th { "Partition" } th { "Lag" } th { "Stored lag" } th { "Committed" } th { "Stored" } th { "High watermark" } th { "State" } th {} } }
                tbody {
                    @for partition in &group.partitions {
                        (partition_row(process_id, &group.name, partition))
                    }
                }
            }
        }
    }
}

fn partition_row(process_id: &str, group: &str, partition: &PartitionReport) -> Markup {
    let known =
        |value: Option<i64>| value.map_or_else(|| "-".to_owned(), |value| value.to_string());
    let (state, attempt) = partition_state(&partition.state);
    let target = (partition.topic.clone(), partition.partition);
    let paused = matches!(
        partition.state,
        PartitionState::Paused | PartitionState::Held
    );
    html! {
        tr.partition data-process-id=(process_id) data-group=(group) data-topic=(partition.topic)
            data-partition=(partition.partition) data-lag=[partition.lag] data-state=(state) {
            td { (partition.topic) } td { (partition.partition) }
            td.lag { (known(partition.lag)) } td.stored-lag { (known(partition.stored_lag)) }
            td.committed { (known(partition.committed_offset)) } td.stored { (known(partition.stored_offset)) }
            td.high-watermark { (known(partition.high_watermark)) }
            td.state { (state) @if let Some(attempt) = attempt { " " (attempt) } }
            td {
                @if paused {
                    (button(&Command::Resume { topic: target.0, partition: target.1 }, "Resume", "resume"))
                } @else {
                    (button(&Command::Pause { topic: target.0, partition: target.1 }, "Pause", "pause"))
                }
            }
        }
    }
}

fn button(command: &Command, label: &str, class: &str) -> Markup {
    html! { button type="submit" name="command" value=(actions::encode(command)) class=(class) { (label) } }
}

fn answers(board: &Board) -> Markup {
    html! {
        section #answers {
            h2 { "Command answers" }
            ul {
                @for answer in board.answers().take(20) {
                    li.answer data-command-id=(answer.command_id) data-ok=(answer.ok) {
                        (format::time(i64::try_from(answer.answered_at).unwrap_or(0))) " "
                        (answer.process_id) ": " (if answer.ok { "done" } else { "refused" }) " — " (answer.detail)
                    }
                }
            }
        }
    }
}

fn process_state(state: ProcessState) -> &'static str {
    match state {
        ProcessState::Running => "running",
        ProcessState::Quiet => "quiet",
        ProcessState::Stopping => "stopping",
        ProcessState::Stopped => "stopped",
    }
}

/// The state's name, and the failed attempt when retrying.
fn partition_state(state: &PartitionState) -> (&'static str, Option<u32>) {
    match state {
        PartitionState::Running => ("running", None),
        PartitionState::Paused => ("paused", None),
        PartitionState::Held => ("held", None),
        PartitionState::Retrying { attempt } => ("retrying", Some(*attempt)),
    }
}
