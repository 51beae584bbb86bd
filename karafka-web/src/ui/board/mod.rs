//! What the UI shows, in memory: built from the reports, error reports and command answers the
//! tail reads, queried by the pages. Pure: no clock (callers pass `now_ms`) and no I/O.

mod process;
mod ring;
mod series;

use std::collections::BTreeMap;

use karafka::config::WebConfig;

pub use process::Process;
pub use ring::Ring;
pub use series::{Point, Series};

use crate::commands::Answer;
use crate::report::{ErrorReport, Report};

/// How many error reports the board keeps.
pub const ERRORS_KEPT: usize = 1_000;
/// How many command answers the board keeps.
pub const ANSWERS_KEPT: usize = 100;

/// The state of every process, recent errors and answers, and their history.
#[derive(Debug, Clone)]
pub struct Board {
    history_ms: u64,
    processes: BTreeMap<String, Process>,
    series: Series,
    errors: Ring<ErrorReport>,
    answers: Ring<Answer>,
}

/// Totals over the processes that are up.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Overview {
    /// Processes up.
    pub processes_up: usize,
    /// Processes known (up or gone within the history).
    pub processes_known: usize,
    /// Partitions held by processes up.
    pub partitions: usize,
    /// Of those, paused by their consumer or a command.
    pub paused: usize,
    /// Of those, waiting to retry.
    pub retrying: usize,
    /// Their total lag.
    pub lag: i64,
    /// Consume jobs running.
    pub running_jobs: usize,
    /// Messages consumed, summed over processes up since each started.
    pub messages: u64,
    /// Errors, summed over processes up since each started.
    pub errors: u64,
}

impl Board {
    /// An empty board bucketing by `web.report_interval` over `web.history`.
    pub fn new(web: &WebConfig) -> Self {
        let millis =
            |duration: std::time::Duration| u64::try_from(duration.as_millis()).unwrap_or(u64::MAX);
        Self::with_window(millis(web.report_interval), millis(web.history))
    }

    /// An empty board with buckets `bucket_ms` wide over `history_ms`.
    pub fn with_window(bucket_ms: u64, history_ms: u64) -> Self {
        Self {
            history_ms,
            processes: BTreeMap::new(),
            series: Series::new(bucket_ms, history_ms),
            errors: Ring::new(ERRORS_KEPT),
            answers: Ring::new(ANSWERS_KEPT),
        }
    }

    /// Takes a process's report: it becomes the process's latest unless an equal or newer one
    /// is known, and feeds the throughput and lag series.
    pub fn add_report(&mut self, report: Report) {
        let at = report.dispatched_at;
        let id = report.process.id.clone();
        match self.processes.get_mut(&id) {
            Some(known) if known.report().dispatched_at >= at => return,
            Some(known) => {
                let consumed = report
                    .counters
                    .messages
                    .saturating_sub(known.report().counters.messages);
                known.replace(report);
                let lag = known.total_lag();
                self.series.add_messages(at, consumed);
                self.series.set_lag(at, &id, lag);
            }
            None => {
                let process = Process::new(report);
                self.series.set_lag(at, &id, process.total_lag());
                self.processes.insert(id, process);
            }
        }
        self.forget_before(at.saturating_sub(self.history_ms));
    }

    /// Takes an error report.
    pub fn add_error(&mut self, error: ErrorReport) {
        self.series.add_error(error.occurred_at);
        self.errors.push(error);
    }

    /// Takes a process's answer to a command.
    pub fn add_answer(&mut self, answer: Answer) {
        self.answers.push(answer);
    }

    /// Forgets processes whose latest report is older than `oldest_ms`, so restarts do not
    /// grow the board.
    fn forget_before(&mut self, oldest_ms: u64) {
        self.processes
            .retain(|_, process| process.report().dispatched_at >= oldest_ms);
    }

    /// Every known process, by id.
    pub fn processes(&self) -> impl Iterator<Item = &Process> {
        self.processes.values()
    }

    /// The process `id`.
    pub fn process(&self, id: &str) -> Option<&Process> {
        self.processes.get(id)
    }

    /// The charts' series.
    pub fn series(&self) -> &Series {
        &self.series
    }

    /// Recent errors, newest first, of `topic` when given.
    pub fn errors<'a>(&'a self, topic: Option<&'a str>) -> impl Iterator<Item = &'a ErrorReport> {
        self.errors
            .newest_first()
            .filter(move |error| topic.is_none_or(|topic| error.topic.as_deref() == Some(topic)))
    }

    /// Recent command answers, newest first.
    pub fn answers(&self) -> impl Iterator<Item = &Answer> {
        self.answers.newest_first()
    }

    /// Totals over the processes up at `now_ms`.
    pub fn overview(&self, now_ms: u64) -> Overview {
        let mut overview = Overview {
            processes_known: self.processes.len(),
            ..Overview::default()
        };
        for process in self.processes().filter(|process| process.is_up(now_ms)) {
            let report = process.report();
            overview.processes_up += 1;
            overview.partitions += process.partitions();
            overview.paused += process.paused();
            overview.retrying += process.retrying();
            overview.lag = overview.lag.saturating_add(process.total_lag());
            overview.running_jobs += report.jobs.len();
            overview.messages = overview.messages.saturating_add(report.counters.messages);
            overview.errors = overview.errors.saturating_add(report.counters.errors);
        }
        overview
    }
}

#[cfg(test)]
mod tests;
