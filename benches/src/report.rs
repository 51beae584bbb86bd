//! The results: a table per invocation, with the machine it ran on, as Markdown.

use std::fmt::Write as _;

use crate::spec::Outcome;

/// One line of the results.
pub(crate) struct Row {
    scenario: String,
    baseline: String,
    karafka: String,
    ratio: String,
    target: String,
    met: Option<bool>,
}

fn rate(outcome: &Outcome) -> String {
    format!(
        "{:.0} msg/s, {:.1} MB/s, {:.0} MB RSS",
        outcome.rate(),
        outcome.megabytes_per_second(),
        outcome.peak_rss_kb as f64 / 1024.0
    )
}

impl Row {
    /// karafka's rate against the baseline's; `min_ratio` > 0 makes it a target.
    pub(crate) fn throughput(
        scenario: impl Into<String>,
        baseline: &Outcome,
        karafka: &Outcome,
        target: &str,
        min_ratio: f64,
    ) -> Self {
        let ratio = karafka.rate() / baseline.rate().max(f64::EPSILON);
        Self {
            scenario: scenario.into(),
            baseline: rate(baseline),
            karafka: rate(karafka),
            ratio: format!("{ratio:.2}"),
            target: target.into(),
            met: (min_ratio > 0.0).then_some(ratio >= min_ratio),
        }
    }

    /// A karafka variant against karafka's own reference run.
    pub(crate) fn relative(
        scenario: &str,
        reference: &Outcome,
        variant: &Outcome,
        target: &str,
        min_ratio: f64,
    ) -> Self {
        let ratio = variant.rate() / reference.rate().max(f64::EPSILON);
        Self {
            scenario: scenario.into(),
            baseline: format!("scenario 1: {}", rate(reference)),
            karafka: rate(variant),
            ratio: format!("{ratio:.2}"),
            target: target.into(),
            met: Some(ratio >= min_ratio),
        }
    }

    /// Peak memory against a limit in MB.
    pub(crate) fn memory(
        scenario: &str,
        baseline: &Outcome,
        karafka: &Outcome,
        limit_mb: u64,
    ) -> Self {
        let (base, mine) = (baseline.peak_rss_kb / 1024, karafka.peak_rss_kb / 1024);
        Self {
            scenario: scenario.into(),
            baseline: format!("{base} MB"),
            karafka: format!("{mine} MB"),
            ratio: format!("{:.2}", mine as f64 / base.max(1) as f64),
            target: format!("< {limit_mb} MB"),
            met: Some(mine < limit_mb),
        }
    }

    /// A page's render time against `budget`, next to the same page for a small board.
    pub(crate) fn page(
        scenario: impl Into<String>,
        small: std::time::Duration,
        large: std::time::Duration,
        budget: std::time::Duration,
    ) -> Self {
        let ms = |duration: std::time::Duration| duration.as_secs_f64() * 1e3;
        Self {
            scenario: scenario.into(),
            baseline: format!("{:.1} ms (1 process × 10 partitions)", ms(small)),
            karafka: format!("{:.1} ms", ms(large)),
            ratio: format!("{:.3} of budget", ms(large) / ms(budget)),
            target: format!("< {} ms", budget.as_millis()),
            met: Some(large < budget),
        }
    }

    /// Latency percentiles.
    pub(crate) fn latency(
        scenario: impl Into<String>,
        baseline: &Outcome,
        karafka: &Outcome,
    ) -> Self {
        let show = |outcome: &Outcome| match outcome.latency_us {
            Some((p50, p99, max)) => format!(
                "p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
                p50 as f64 / 1e3,
                p99 as f64 / 1e3,
                max as f64 / 1e3
            ),
            None => "no samples".into(),
        };
        let ratio = match (baseline.latency_us, karafka.latency_us) {
            (Some((base, _, _)), Some((mine, _, _))) => {
                format!("{:.2} (p50)", mine as f64 / base.max(1) as f64)
            }
            _ => "-".into(),
        };
        Self {
            scenario: scenario.into(),
            baseline: show(baseline),
            karafka: show(karafka),
            ratio,
            target: "report".into(),
            met: None,
        }
    }
}

/// The results of one invocation.
pub(crate) struct Table {
    quick: bool,
    repeat: usize,
    rows: Vec<Row>,
    notes: Vec<String>,
}

impl Table {
    pub(crate) fn new(quick: bool, repeat: usize) -> Self {
        Self {
            quick,
            repeat,
            rows: Vec::new(),
            notes: Vec::new(),
        }
    }

    pub(crate) fn push(&mut self, row: Row) {
        eprintln!(
            "  {} | {} | {} | {}",
            row.scenario, row.baseline, row.karafka, row.ratio
        );
        self.rows.push(row);
    }

    pub(crate) fn note(&mut self, note: String) {
        eprintln!("  {note}");
        self.notes.push(note);
    }

    pub(crate) fn markdown(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "## Results ({}, {} run(s) per figure, median)\n",
            if self.quick { "--quick" } else { "full" },
            self.repeat
        );
        let _ = writeln!(out, "{}\n", machine());
        let _ = writeln!(
            out,
            "| scenario | baseline (rust-rdkafka loop) | karafka | ratio | target | met |"
        );
        let _ = writeln!(out, "|---|---|---|---|---|---|");
        for row in &self.rows {
            let met = match row.met {
                Some(true) => "yes",
                Some(false) => "**no**",
                None => "-",
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {met} |",
                row.scenario, row.baseline, row.karafka, row.ratio, row.target
            );
        }
        out.push('\n');
        for note in &self.notes {
            let _ = writeln!(out, "- {note}");
        }
        out
    }
}

/// CPU, cores, memory, kernel and date of this machine.
fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find_map(|line| line.strip_prefix("model name"))
        .map(|name| name.trim_start_matches([' ', '\t', ':']).to_owned())
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .next()
                .map(|line| line.split_whitespace().nth(1).unwrap_or("0").to_owned())
        })
        .and_then(|kb| kb.parse::<u64>().ok())
        .map_or_else(|| "?".into(), |kb| format!("{} GiB", kb / 1024 / 1024));
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let (_, librdkafka) = rdkafka::util::get_rdkafka_version();
    let date = Command::new("date")
        .arg("-u")
        .arg("+%Y-%m-%d %H:%M UTC")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    format!(
        "Machine: {cpu}, {cores} cores, {memory}, Linux {}; librdkafka {librdkafka}; broker: the single-node Kafka of `scripts/kafka` on the same machine; {date}.",
        kernel.trim()
    )
}

use std::process::Command;
