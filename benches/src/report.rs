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
    /// karafka's rate over its reference's, for the chart (rows of rates only).
    rate_ratio: Option<RateRatio>,
}

/// A row's rate ratio and the least it should be (none where it is only reported).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct RateRatio {
    pub(crate) ratio: f64,
    pub(crate) target: Option<f64>,
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
            rate_ratio: Some(RateRatio {
                ratio,
                target: (min_ratio > 0.0).then_some(min_ratio),
            }),
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
            rate_ratio: Some(RateRatio {
                ratio,
                target: Some(min_ratio),
            }),
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
            rate_ratio: None,
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
            rate_ratio: None,
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
            rate_ratio: None,
        }
    }
}

/// Scenario 11's line: one backlog consumed by karafka and by its anchors.
pub(crate) struct Anchored {
    /// Payload, partitions and messages.
    pub(crate) backlog: String,
    /// Whether the targets apply (otherwise the ratios are reported).
    pub(crate) targeted: bool,
    /// karafka, pass-through.
    pub(crate) karafka: Outcome,
    /// The rust-rdkafka `BaseConsumer` loop of the other scenarios.
    pub(crate) rust_rdkafka: Outcome,
    /// The raw librdkafka batch loop.
    pub(crate) raw: Outcome,
    /// Kafka's Java `ConsumerPerformance`.
    pub(crate) java: Outcome,
}

/// karafka's least rate against the raw librdkafka batch loop's, where targeted.
const RAW_TARGET: f64 = 0.9;
/// karafka's least rate against Java `ConsumerPerformance`'s, where targeted.
const JAVA_TARGET: f64 = 1.0;

impl Anchored {
    /// One consumer's figures.
    fn cell(outcome: &Outcome) -> String {
        format!(
            "{:.0} msg/s, {:.1} MB/s, {:.2} CPU s/M, {:.0} MB",
            outcome.rate(),
            outcome.megabytes_per_second(),
            outcome.cpu_per_million(),
            outcome.peak_rss_kb as f64 / 1024.0
        )
    }

    /// karafka's rate over `anchor`'s.
    pub(crate) fn ratio(&self, anchor: &Outcome) -> f64 {
        self.karafka.rate() / anchor.rate().max(f64::EPSILON)
    }

    /// The Markdown line: the four cells, the two ratios, the targets and whether they are met.
    fn markdown(&self) -> String {
        let (raw, java) = (self.ratio(&self.raw), self.ratio(&self.java));
        let (target, met) = if self.targeted {
            let missed: Vec<&str> = [("raw", raw >= RAW_TARGET), ("Java", java >= JAVA_TARGET)]
                .into_iter()
                .filter_map(|(anchor, met)| (!met).then_some(anchor))
                .collect();
            (
                format!("≥ {RAW_TARGET:.2} × raw, ≥ {JAVA_TARGET:.2} × Java"),
                if missed.is_empty() {
                    "yes".to_owned()
                } else {
                    format!("**no** ({})", missed.join(", "))
                },
            )
        } else {
            ("report".to_owned(), "-".to_owned())
        };
        format!(
            "| {} | {} | {} | {} | {} | {raw:.2} | {java:.2} | {target} | {met} |",
            self.backlog,
            Self::cell(&self.karafka),
            Self::cell(&self.rust_rdkafka),
            Self::cell(&self.raw),
            Self::cell(&self.java),
        )
    }
}

/// The results of one invocation.
pub(crate) struct Table {
    quick: bool,
    repeat: usize,
    rows: Vec<Row>,
    anchors: Vec<Anchored>,
    notes: Vec<String>,
}

impl Table {
    pub(crate) fn new(quick: bool, repeat: usize) -> Self {
        Self {
            quick,
            repeat,
            rows: Vec::new(),
            anchors: Vec::new(),
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

    /// Adds a line of scenario 11 (anchors), in a table of its own.
    pub(crate) fn anchor(&mut self, anchored: Anchored) {
        let line = anchored.markdown();
        eprintln!("  11. {line}");
        self.anchors.push(anchored);
    }

    /// The rows with a rate ratio, by scenario, for the chart.
    pub(crate) fn rate_ratios(&self) -> Vec<(&str, RateRatio)> {
        self.rows
            .iter()
            .filter_map(|row| Some((row.scenario.as_str(), row.rate_ratio?)))
            .collect()
    }

    /// Scenario 11's lines.
    pub(crate) fn anchors(&self) -> &[Anchored] {
        &self.anchors
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
        if !self.rows.is_empty() {
            self.rows_markdown(&mut out);
        }
        if !self.anchors.is_empty() {
            let _ = writeln!(
                out,
                "Scenario 11, anchors: msg/s, MB/s, CPU seconds (user + system, whole process) \
                 per million messages and peak RSS of each consumer; the ratios are karafka's \
                 rate over the anchor's.\n"
            );
            let _ = writeln!(
                out,
                "| backlog | karafka | rust-rdkafka loop | raw librdkafka batch loop | Java \
                 ConsumerPerformance | karafka / raw | karafka / Java | target | met |"
            );
            let _ = writeln!(out, "|---|---|---|---|---|---|---|---|---|");
            for anchored in &self.anchors {
                let _ = writeln!(out, "{}", anchored.markdown());
            }
            out.push('\n');
        }
        for note in &self.notes {
            let _ = writeln!(out, "- {note}");
        }
        out
    }

    /// The table of the scenarios other than 11.
    fn rows_markdown(&self, out: &mut String) {
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
