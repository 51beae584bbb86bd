//! The driver of the reliability suite: for each scenario it creates a topic, starts subject
//! processes, produces a known set of keyed messages (acks=all), injects the scenario's faults,
//! samples the group's committed offsets, lets the group settle, stops the subjects, and audits
//! the run. Every run prints its seed, so a failure can be replayed with `--seed`.
//!
//! `scripts/chaos [--quick] [--runs N] [--scenario NAME]...` builds and runs it.

mod inputs;
mod readback;
mod run;
mod sampler;
mod scenarios;
mod subjects;
mod timing;

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{bail, Context as _};
use clap::Parser;
use karafka::Config;
use karafka_reliability::matrix::{self, Row};

use crate::run::{kafka, Outcome, Run};
use crate::scenarios::{Fault, Scenario, CLUSTER, SCENARIOS};
use crate::timing::now_micros;

#[derive(Debug, Parser)]
#[command(
    about = "Fault injection against the real broker, audited for loss, order and duplicates"
)]
struct Cli {
    /// Scenarios to run (default: all but the soak).
    #[arg(long = "scenario")]
    scenarios: Vec<String>,
    /// Runs of each scenario (default 1; 20 with --matrix).
    #[arg(long)]
    runs: Option<usize>,
    /// The matrix: every scenario (or those named) 20 times unless --runs says otherwise, its
    /// table and chart written to target/chaos/matrix.md and .svg unless --write says where.
    #[arg(long)]
    matrix: bool,
    /// The first run's seed (each further run adds 1); default: from the clock.
    #[arg(long)]
    seed: Option<u64>,
    /// 1,200 messages per run instead of 3,000, for CI (and 50 rebalances of the soak).
    #[arg(long)]
    quick: bool,
    /// The soak: 1,000 rebalances while messages keep arriving, and how long partitions
    /// waited in them; not in the default set or the matrix.
    #[arg(long)]
    soak: bool,
    /// The subjects' `RUST_LOG` (their stderr is kept with their logs).
    #[arg(long, default_value = "warn")]
    subject_log: String,
    /// Keep every run's subject logs, not only those of runs with violations or notes.
    #[arg(long)]
    keep_logs: bool,
    /// Also write the summary as Markdown to this file, and its chart as SVG next to it
    /// (the same name, ending in .svg).
    #[arg(long)]
    write: Option<PathBuf>,
    /// The broker.
    #[arg(
        long,
        env = "KAFKA_BOOTSTRAP_SERVERS",
        default_value = "127.0.0.1:9092"
    )]
    bootstrap: String,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    // The workspace, for scripts/kafka; the binary is built from it.
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    // The soak runs only when asked for.
    let selected: Vec<&Scenario> = SCENARIOS
        .iter()
        .filter(
            |s| match (cli.scenarios.is_empty(), s.fault == Fault::Soak) {
                (true, soak) => soak == cli.soak,
                (false, soak) => cli.scenarios.iter().any(|n| n == s.name) || (soak && cli.soak),
            },
        )
        .collect();
    if selected.is_empty() {
        bail!(
            "no such scenario; known: {}",
            SCENARIOS
                .iter()
                .map(|s| s.name)
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let first_seed = cli.seed.unwrap_or_else(|| now_micros() % 1_000_000);
    let runs = cli.runs.unwrap_or(if cli.matrix { 20 } else { 1 });
    let write = cli
        .write
        .clone()
        .or_else(|| cli.matrix.then(|| root.join("target/chaos/matrix.md")));
    let mut rows = Vec::new();
    for scenario in selected {
        let on_cluster = scenario.fault == Fault::ClusterBrokerKill;
        let bootstrap = if on_cluster {
            kafka(&root, &["cluster", "up"]).context("starting the 3-node cluster")?;
            CLUSTER
        } else {
            cli.bootstrap.as_str()
        };
        let config = Config::default().kafka("bootstrap.servers", bootstrap);
        let mut row = Row::new(scenario.name);
        for run in 0..runs {
            let seed = first_seed + run as u64;
            let started = Instant::now();
            let (messages, rate) = scenario.fault.stream(cli.quick);
            let execution = Run {
                scenario,
                seed,
                quick: cli.quick,
                messages,
                rate,
                config: config.clone(),
                root: root.clone(),
                subject_log: cli.subject_log.clone(),
            };
            let Outcome {
                report,
                dir,
                handovers,
            } = execution
                .execute(bootstrap)
                .await
                .with_context(|| format!("{} seed {seed}", scenario.name))?;
            println!(
                "{:<20} seed {seed:>7}: produced {:>5}, handled {:>5}, duplicates {:>4}, violations {} ({:.0} s)",
                scenario.name,
                report.produced,
                report.handled,
                report.duplicates,
                report.violations.len(),
                started.elapsed().as_secs_f64()
            );
            if !handovers.is_empty() {
                println!("    {handovers}");
            }
            for violation in report.violations.iter().take(10) {
                println!("    {violation}");
            }
            for note in &report.notes {
                println!("    note: {note}");
            }
            row.add(seed, started.elapsed().as_secs_f64(), &report, &handovers);
            if report.violations.is_empty() && report.notes.is_empty() && !cli.keep_logs {
                let _ = std::fs::remove_dir_all(&dir);
            } else {
                println!("    logs kept in {}", dir.display());
            }
        }
        if on_cluster {
            // Three brokers hold 3 GiB of heap between them: not left running.
            kafka(&root, &["cluster", "down"])?;
        }
        rows.push(row);
    }
    let summary = matrix::table(&rows);
    println!("\n{summary}");
    if let Some(path) = &write {
        if let Some(folder) = path.parent() {
            std::fs::create_dir_all(folder)?;
        }
        std::fs::write(path, &summary).with_context(|| format!("writing {}", path.display()))?;
        let chart = path.with_extension("svg");
        std::fs::write(&chart, matrix::chart(&rows)?)
            .with_context(|| format!("writing {}", chart.display()))?;
        println!("table in {}, chart in {}", path.display(), chart.display());
    }
    if rows.iter().any(|row| row.violations > 0) {
        bail!("violations found");
    }
    Ok(())
}
