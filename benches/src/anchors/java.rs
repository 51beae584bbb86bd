//! The Java anchor: Kafka's own `ConsumerPerformance` tool (`bin/kafka-consumer-perf-test.sh`)
//! from the jars `scripts/kafka` fetched, run as a child JVM with the options that script gives
//! it. Its rate is the tool's fetch-time rate: from the assignment (rebalance time excluded) to
//! the last record, JVM start-up excluded, as karafka's counts from the first message to the
//! last. Its CPU time and peak RSS are the whole JVM's, start-up and JIT included.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Command;

use anyhow::{bail, Context as _};

use crate::child::{self, Usage};
use crate::spec::{now_micros, Outcome};

/// The tool's class in `kafka-tools`.
const TOOL: &str = "org.apache.kafka.tools.ConsumerPerformance";
/// The JVM options `bin/kafka-consumer-perf-test.sh` runs the tool with (its heap, then
/// `kafka-run-class.sh`'s defaults).
const JVM_OPTIONS: &[&str] = &[
    "-Xmx512M",
    "-server",
    "-XX:+UseG1GC",
    "-XX:MaxGCPauseMillis=20",
    "-XX:InitiatingHeapOccupancyPercent=35",
    "-XX:+ExplicitGCInvokesConcurrent",
    "-Djava.awt.headless=true",
];
/// How long the tool waits for records before giving up on a backlog it cannot finish.
const TIMEOUT_MS: &str = "30000";

/// Where `scripts/kafka` keeps the broker's jars: `$LOCAL_KAFKA_HOME/libs`, by default
/// `.kafka/libs` in the repository (the directory `scripts/bench` runs in).
fn libs() -> anyhow::Result<PathBuf> {
    let home =
        std::env::var_os("LOCAL_KAFKA_HOME").map_or_else(|| PathBuf::from(".kafka"), PathBuf::from);
    let libs = home.join("libs");
    if !libs.is_dir() {
        bail!(
            "no Kafka jars in {} (scripts/kafka up fetches them; LOCAL_KAFKA_HOME names another \
             home)",
            libs.display()
        );
    }
    Ok(libs)
}

/// Runs the tool with `arguments` to completion: its report and its usage.
fn tool(arguments: &[&str]) -> anyhow::Result<(String, Usage)> {
    let (output, usage) = child::output(
        Command::new("java")
            .args(JVM_OPTIONS)
            .arg("-cp")
            .arg(libs()?.join("*"))
            .arg(TOOL)
            .args(arguments),
    )
    .context("running java (scripts/kafka up installs it)")?;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    if !output.status.success() {
        bail!(
            "ConsumerPerformance failed ({}): {stdout}{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok((stdout, usage))
}

/// What a JVM running the tool costs before it consumes anything: `--version` starts it, loads
/// the tool and stops.
pub(crate) fn start_up() -> anyhow::Result<Usage> {
    tool(&["--version"]).map(|(_, usage)| usage)
}

/// Consumes `messages` messages of `topic` with `ConsumerPerformance` in a fresh group.
pub(crate) fn run(bootstrap: &str, topic: &str, messages: u64) -> anyhow::Result<Outcome> {
    eprintln!("  measuring Java ConsumerPerformance on {topic} ({messages} messages)");
    let (messages_text, group) = (messages.to_string(), format!("bench-java-{}", now_micros()));
    let (stdout, usage) = tool(&[
        "--bootstrap-server",
        bootstrap,
        "--topic",
        topic,
        "--messages",
        &messages_text,
        "--group",
        &group,
        "--timeout",
        TIMEOUT_MS,
    ])?;
    let figures = figures(&stdout)?;
    let figure = |name: &str| {
        figures
            .get(name)
            .copied()
            .with_context(|| format!("ConsumerPerformance printed no {name}: {stdout}"))
    };
    let consumed = figure("data.consumed.in.nMsg")? as u64;
    if consumed < messages {
        bail!("ConsumerPerformance consumed {consumed} of {messages} messages: {stdout}");
    }
    Ok(Outcome {
        messages: consumed,
        // The tool's MB are MiB of keys and values.
        bytes: (figure("data.consumed.in.MB")? * 1024.0 * 1024.0) as u64,
        seconds: figure("fetch.time.ms")? / 1e3,
        peak_rss_kb: usage.peak_rss_kb,
        latency_us: None,
        cpu_seconds: usage.cpu_seconds,
    })
}

/// The numeric columns of the tool's report: a header line of comma-separated names, then a
/// line of values (`start.time` and `end.time` are dates, left out).
fn figures(report: &str) -> anyhow::Result<HashMap<String, f64>> {
    let mut lines = report
        .lines()
        .skip_while(|line| !line.contains("fetch.time.ms"));
    let (Some(header), Some(values)) = (lines.next(), lines.next()) else {
        bail!("no report in ConsumerPerformance's output: {report}");
    };
    Ok(header
        .split(',')
        .zip(values.split(','))
        .filter_map(|(name, value)| Some((name.trim().to_owned(), value.trim().parse().ok()?)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::figures;

    #[test]
    fn reads_the_report() -> anyhow::Result<()> {
        let report = "start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, \
                      nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec\n\
                      2026-12-03 08:06:59:253, 2026-12-03 08:07:00:935, 95.3674, 56.6988, \
                      1000000, 594530.3210, 393, 1289, 73.9856, 775795.1901\n";
        let figures = figures(report)?;
        assert_eq!(figures.get("data.consumed.in.nMsg"), Some(&1_000_000.0));
        assert_eq!(figures.get("fetch.time.ms"), Some(&1289.0));
        assert!(!figures.contains_key("start.time"));
        Ok(())
    }
}
