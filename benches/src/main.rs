//! End-to-end benchmarks of karafka against the real broker, each next to a raw rust-rdkafka
//! baseline measured in the same invocation on the same backlog; scenario 11 adds the anchors,
//! a raw librdkafka batch loop and Kafka's Java `ConsumerPerformance`.
//!
//! `cargo run --release -p karafka-bench -- [--quick] [--write BENCHMARKS.md] [--chart FILE.svg]`
//!
//! Every measured run is a child process of this one (so its peak memory is its own), with a
//! fresh consumer group, consuming a backlog produced once and reused by later invocations.

mod anchors;
mod backlog;
mod baseline;
mod chart;
mod child;
mod karafka_run;
mod latency;
mod precise_io;
mod process;
mod report;
mod soak;
mod spec;
mod swarm_run;
mod web;

use std::io::Write as _;
use std::path::PathBuf;
use std::process::Command;

use anyhow::{bail, Context as _};
use clap::{Parser, Subcommand};

use backlog::{Backlog, Keys, Payload};
use report::{Row, Table};
use spec::{Implementation, Outcome, Run, Workload};

#[derive(Debug, Parser)]
#[command(about = "karafka benchmarks against the real broker, next to a raw librdkafka baseline")]
struct Cli {
    #[command(subcommand)]
    child: Option<Child>,
    /// Smaller backlogs and shorter runs: the whole suite in under two minutes.
    #[arg(long)]
    quick: bool,
    /// Runs of each measurement (the median counts). Default 3, 1 with --quick.
    #[arg(long)]
    repeat: Option<usize>,
    /// Also write the results as Markdown to this file.
    #[arg(long)]
    write: Option<PathBuf>,
    /// Also draw the results as an SVG chart into this file.
    #[arg(long)]
    chart: Option<PathBuf>,
    /// Runs only this scenario (repeatable): 1 (with 2 and 7), 3 (with 6), 4, 5, 8, 9, 10 or
    /// 11. Every scenario when none is given.
    #[arg(long = "scenario", value_name = "N")]
    scenarios: Vec<u32>,
    /// An extra librdkafka setting for the librdkafka consumers (the rust-rdkafka loop, the raw
    /// librdkafka loop and karafka's), e.g. `fetch.wait.max.ms=500` (repeatable): to find what
    /// limits them.
    #[arg(long = "librdkafka", value_name = "NAME=VALUE", value_parser = setting)]
    librdkafka: Vec<(String, String)>,
    /// Runs only the memory soak: input ten times faster than the handlers for 30 minutes
    /// (2½ with --quick), RSS held against its bound; `--chart` draws RSS over time.
    #[arg(long)]
    soak: bool,
    /// The broker.
    #[arg(
        long,
        env = "KAFKA_BOOTSTRAP_SERVERS",
        default_value = "127.0.0.1:9092"
    )]
    bootstrap: String,
}

/// A `NAME=VALUE` setting.
fn setting(text: &str) -> Result<(String, String), String> {
    text.split_once('=')
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .ok_or_else(|| format!("{text:?} is not NAME=VALUE"))
}

impl Cli {
    /// Whether this invocation runs `scenario`.
    fn runs(&self, scenario: u32) -> bool {
        self.scenarios.is_empty() || self.scenarios.contains(&scenario)
    }
}

#[derive(Debug, Subcommand)]
enum Child {
    /// Runs one measurement (used by the suite itself).
    #[command(hide = true)]
    Measure {
        /// The run, as JSON.
        spec: String,
    },
    /// The memory soak's consumer (used by `--soak`), until it is killed.
    #[command(hide = true)]
    SoakConsumer {
        #[arg(long)]
        topic: String,
        #[arg(long)]
        group: String,
        #[arg(long)]
        bootstrap: String,
    },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    match &cli.child {
        Some(Child::Measure { spec }) => {
            if std::env::var_os("RUST_LOG").is_some() {
                karafka::instrumentation::init_logging("warn");
            }
            let run: Run = serde_json::from_str(spec)?;
            let group = format!("bench-{}-{}", std::process::id(), spec::now_micros());
            let outcome = match run.implementation {
                Implementation::Baseline => baseline::run(&run, &group)?,
                Implementation::Karafka => runtime.block_on(karafka_run::run(&run, &group))?,
                Implementation::RawBatch => anchors::raw_librdkafka::run(&run, &group)?,
            };
            println!("{}", serde_json::to_string(&outcome)?);
            // The server's threads may still hold librdkafka handles; the figures are printed.
            std::process::exit(0);
        }
        Some(Child::SoakConsumer {
            topic,
            group,
            bootstrap,
        }) => runtime.block_on(soak::consume(bootstrap, topic, group)),
        None if cli.soak => {
            let held =
                runtime.block_on(soak::run(&cli.bootstrap, cli.quick, cli.chart.as_deref()))?;
            if !held {
                anyhow::bail!("the memory soak missed its targets");
            }
            Ok(())
        }
        None => runtime.block_on(suite(&cli)),
    }
}

/// Sizes of one invocation.
struct Sizes {
    small: u64,
    large: u64,
    io_sequential: u64,
    io_parallel: u64,
    latency: u64,
    repeat: usize,
}

async fn suite(cli: &Cli) -> anyhow::Result<()> {
    let sizes = if cli.quick {
        Sizes {
            small: 200_000,
            large: 100_000,
            io_sequential: 1_000,
            io_parallel: 20_000,
            latency: 5_000,
            repeat: 1,
        }
    } else {
        Sizes {
            small: 1_000_000,
            large: 1_000_000,
            io_sequential: 3_000,
            io_parallel: 100_000,
            latency: 30_000,
            repeat: 3,
        }
    };
    let repeat = cli.repeat.unwrap_or(sizes.repeat);
    let config = karafka::Config::default().kafka("bootstrap.servers", &cli.bootstrap);
    let small = |partitions| Backlog {
        name: "100b",
        partitions,
        messages: sizes.small,
        payload: Payload::Filler(100),
        keys: Keys::None,
    };
    let orders = Backlog {
        name: "1k-json",
        partitions: 1,
        messages: sizes.large,
        payload: Payload::OrderJson,
        keys: Keys::None,
    };
    let keyed = |name, keys| Backlog {
        name,
        partitions: 1,
        messages: sizes.io_parallel,
        payload: Payload::Filler(100),
        keys,
    };
    let uniform = keyed("100b-keyed", Keys::Uniform);
    let zipf = keyed("100b-zipf", Keys::Zipf);
    let backlogs = [
        (1, small(1)),
        (1, small(6)),
        (3, orders.clone()),
        (4, uniform.clone()),
        (4, zipf.clone()),
        (9, small(MULTIPLEXED_PARTITIONS)),
        (10, small(MULTIPLEXED_PARTITIONS)),
    ];
    for (_, backlog) in backlogs.iter().filter(|(scenario, _)| cli.runs(*scenario)) {
        backlog.ensure(&config).await?;
    }
    if cli.runs(11) {
        for backlog in anchors::backlogs(cli.quick) {
            backlog.ensure(&config).await?;
        }
    }

    let mut table = Table::new(cli.quick, repeat);
    let measure = |implementation, workload, topic: String, messages| Run {
        implementation,
        workload,
        topic,
        messages,
        bootstrap: cli.bootstrap.clone(),
        connections: None,
        librdkafka: cli.librdkafka.clone(),
    };

    if cli.runs(1) {
        scenario_1(&mut table, repeat, &small, sizes.small, &measure)?;
    }
    if cli.runs(3) {
        scenario_3(&mut table, repeat, &orders, sizes.large, &measure)?;
    }
    if cli.runs(4) {
        scenario_4(&mut table, repeat, [&uniform, &zipf], &sizes, &measure)?;
    }
    if cli.runs(5) {
        scenario_5(&mut table, &config, sizes.latency, &measure).await?;
    }
    if cli.runs(8) {
        // 8: the web UI's pages with 50 processes × 1000 partitions of reports read from Kafka.
        for page in web::pages(&config, 50, 1_000, repeat.max(3)).await? {
            table.push(Row::page(
                format!(
                    "8. web UI page {}, 50 processes × 1000 partitions",
                    page.page
                ),
                page.small,
                page.large,
                web::BUDGET,
            ));
        }
    }
    if cli.runs(9) {
        scenario_9(&mut table, repeat, &small(MULTIPLEXED_PARTITIONS), &measure)?;
    }
    if cli.runs(10) {
        let backlog = small(MULTIPLEXED_PARTITIONS);
        scenario_10(&mut table, repeat, &backlog, &cli.bootstrap, &measure).await?;
    }
    if cli.runs(11) {
        anchors::scenario_11(&mut table, repeat, cli.quick, &cli.bootstrap, &measure)?;
    }

    let markdown = table.markdown();
    println!("\n{markdown}");
    if let Some(path) = &cli.write {
        std::fs::File::create(path)?.write_all(markdown.as_bytes())?;
        eprintln!("wrote {}", path.display());
    }
    if let Some(path) = &cli.chart {
        std::fs::write(path, chart::svg(&table)?)
            .with_context(|| format!("writing {}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}

/// Partitions of the multiplexing scenario's backlog.
const MULTIPLEXED_PARTITIONS: i32 = 12;

/// Builds a run: implementation, workload, topic, messages.
type Measure<'a> = dyn Fn(Implementation, Workload, String, u64) -> Run + 'a;

/// 1, 2 and 7: pass-through, automatic marking, then marking every message, then observed by
/// the Prometheus metrics and a user listener.
fn scenario_1(
    table: &mut Table,
    repeat: usize,
    small: &dyn Fn(i32) -> Backlog,
    messages: u64,
    measure: &Measure<'_>,
) -> anyhow::Result<()> {
    for partitions in [1, 6] {
        let topic = small(partitions).topic();
        let baseline = median(repeat, || {
            measure(
                Implementation::Baseline,
                Workload::Noop,
                topic.clone(),
                messages,
            )
        })?;
        let karafka = median(repeat, || {
            measure(
                Implementation::Karafka,
                Workload::Noop,
                topic.clone(),
                messages,
            )
        })?;
        table.push(Row::throughput(
            format!("1. pass-through, 100 B, {partitions} partition(s)"),
            &baseline,
            &karafka,
            "≥ 0.90 × baseline",
            0.9,
        ));
        if partitions == 1 {
            let marking = median(repeat, || {
                measure(
                    Implementation::Karafka,
                    Workload::MarkEach,
                    topic.clone(),
                    messages,
                )
            })?;
            table.push(Row::relative(
                "2. mark_as_consumed per message, 1 partition",
                &karafka,
                &marking,
                "≥ 0.90 × scenario 1",
                0.9,
            ));
            // A 3 % target is inside one run's noise: the runs alternate, at least 5 of each.
            let (plain, observed) = median_of_pairs(repeat.max(5), |workload| {
                measure(Implementation::Karafka, workload, topic.clone(), messages)
            })?;
            table.push(Row::relative(
                "7. pass-through with Prometheus metrics and a user listener, 1 partition",
                &plain,
                &observed,
                "≥ 0.97 × without them",
                0.97,
            ));
        }
    }

    Ok(())
}

/// 3 and 6: 1 KB JSON decoded into a struct, against the same backlog undecoded; the peak RSS.
fn scenario_3(
    table: &mut Table,
    repeat: usize,
    orders: &Backlog,
    messages: u64,
    measure: &Measure<'_>,
) -> anyhow::Result<()> {
    let topic = orders.topic();
    let run = |implementation, workload| measure(implementation, workload, topic.clone(), messages);
    let baseline = median(repeat, || {
        run(Implementation::Baseline, Workload::DecodeJson)
    })?;
    let raw = median(repeat, || run(Implementation::Karafka, Workload::Noop))?;
    let decoded = median(repeat, || {
        run(Implementation::Karafka, Workload::DecodeJson)
    })?;
    table.push(Row::throughput(
        "3. 1 KB JSON decoded into a struct (baseline decodes too)",
        &baseline,
        &decoded,
        "report",
        0.0,
    ));
    table.note(format!(
        "Decoding cost: {:.2} µs per 1 KB message ({:.0} msg/s undecoded, {:.0} msg/s decoded).",
        (1.0 / decoded.rate() - 1.0 / raw.rate()) * 1e6,
        raw.rate(),
        decoded.rate()
    ));
    table.push(Row::memory(
        "6. peak RSS, 1 KB backlog, default settings",
        &baseline,
        &raw,
        256,
    ));
    Ok(())
}

/// 4: I/O-bound, 1 ms per message, concurrency 32, without and with 32 virtual partitions, on
/// uniform and Zipf(1.0) keys, and with I/O times that vary (exponential, 1 ms on average);
/// streaming (the default) and waiting for every virtual partition at the end of each batch.
///
/// Ideal: one worker's rate (the baseline's, the same I/O one message after another) times what
/// 32 workers can overlap. A key's messages run in order, so a backlog of N messages whose largest
/// key has L takes at least max(N / 32, L) I/O times: uniform keys allow 32 ×, Zipf keys (the
/// first key about 13 % of the messages) about 7.5 ×.
fn scenario_4(
    table: &mut Table,
    repeat: usize,
    [uniform, zipf]: [&Backlog; 2],
    sizes: &Sizes,
    measure: &Measure<'_>,
) -> anyhow::Result<()> {
    let io = |varied, virtual_partitions, streaming| Workload::Io {
        micros: 1_000,
        varied,
        concurrency: 32,
        max_messages: 1_000,
        virtual_partitions,
        streaming,
    };
    let run = |implementation, workload, backlog: &Backlog, messages| {
        median(repeat, || {
            measure(implementation, workload, backlog.topic(), messages)
        })
    };
    let fixed = run(
        Implementation::Baseline,
        io(false, None, true),
        uniform,
        sizes.io_sequential,
    )?;
    let sequential = run(
        Implementation::Karafka,
        io(false, None, true),
        uniform,
        sizes.io_sequential,
    )?;
    table.push(Row::throughput(
        "4a. 1 ms I/O per message, 1 partition, no virtual partitions",
        &fixed,
        &sequential,
        "report",
        0.0,
    ));
    let varied = run(
        Implementation::Baseline,
        io(true, None, true),
        uniform,
        sizes.io_sequential,
    )?;
    let cases = [
        ("b", "1 ms I/O", "uniform keys", false, uniform, 0.9, &fixed),
        ("c", "1 ms I/O", "Zipf(1.0) keys", false, zipf, 0.8, &fixed),
        (
            "d",
            "varied I/O (1 ms mean)",
            "uniform keys",
            true,
            uniform,
            0.0,
            &varied,
        ),
    ];
    for (letter, io_label, keys, varies, backlog, share, baseline) in cases {
        let messages = sizes.io_parallel as f64;
        let overlap = messages / (messages / 32.0).max(backlog.largest_key()? as f64);
        let ideal = overlap * baseline.rate();
        let streaming = run(
            Implementation::Karafka,
            io(varies, Some(32), true),
            backlog,
            sizes.io_parallel,
        )?;
        let waiting = run(
            Implementation::Karafka,
            io(varies, Some(32), false),
            backlog,
            sizes.io_parallel,
        )?;
        let target = if share > 0.0 {
            format!("≥ {:.0} % of ideal ({overlap:.1} ×)", share * 100.0)
        } else {
            "report".to_owned()
        };
        table.push(Row::throughput(
            format!("4{letter}. {io_label}, 32 virtual partitions, {keys}"),
            baseline,
            &streaming,
            &target,
            share * overlap,
        ));
        table.push(Row::throughput(
            format!("4{letter}. the same, waiting for every virtual partition at each batch"),
            baseline,
            &waiting,
            "report",
            0.0,
        ));
        table.note(format!(
            "Virtual partitions, {io_label}, {keys}: streaming {:.0} msg/s = {:.0} % of the ideal {ideal:.0} msg/s ({overlap:.1} × one worker's {:.0} msg/s); waiting at each batch {:.0} msg/s = {:.0} %.",
            streaming.rate(),
            streaming.rate() / ideal * 100.0,
            baseline.rate(),
            waiting.rate(),
            waiting.rate() / ideal * 100.0,
        ));
    }
    Ok(())
}

/// 5: end-to-end latency at a steady 1000 msg/s.
async fn scenario_5(
    table: &mut Table,
    config: &karafka::Config,
    messages: u64,
    measure: &Measure<'_>,
) -> anyhow::Result<()> {
    let settings = [
        ("default settings", 1_000, false),
        ("max_wait_time 0, socket.nagle.disable", 0, true),
    ];
    for (label, max_wait_ms, no_delay) in settings {
        let latency = Workload::Latency {
            rate: 1_000,
            max_wait_ms,
            no_delay,
        };
        let baseline = latency_run(
            config,
            measure(Implementation::Baseline, latency, String::new(), messages),
        )
        .await?;
        let karafka = latency_run(
            config,
            measure(Implementation::Karafka, latency, String::new(), messages),
        )
        .await?;
        table.push(Row::latency(
            format!("5. latency at 1000 msg/s, {label}"),
            &baseline,
            &karafka,
        ));
    }
    Ok(())
}

/// 9: multiplexing: pass-through on 12 partitions, the subscription group on 1 and on 3
/// connections; the baseline is one rust-rdkafka consumer.
fn scenario_9(
    table: &mut Table,
    repeat: usize,
    backlog: &Backlog,
    measure: &Measure<'_>,
) -> anyhow::Result<()> {
    let topic = backlog.topic();
    let run = |implementation, connections| Run {
        connections,
        ..measure(
            implementation,
            Workload::Noop,
            topic.clone(),
            backlog.messages,
        )
    };
    let baseline = median(repeat, || run(Implementation::Baseline, None))?;
    let single = median(repeat, || run(Implementation::Karafka, Some(1)))?;
    let multiplexed = median(repeat, || run(Implementation::Karafka, Some(3)))?;
    let partitions = backlog.partitions;
    table.push(Row::throughput(
        format!("9. pass-through, 100 B, {partitions} partitions, 1 connection"),
        &baseline,
        &single,
        "report",
        0.0,
    ));
    table.push(Row::throughput(
        format!("9. pass-through, 100 B, {partitions} partitions, 3 connections (multiplexing)"),
        &baseline,
        &multiplexed,
        "report",
        0.0,
    ));
    table.note(format!(
        "Multiplexing: 3 connections handle {:.0} msg/s, {:.2} × the {:.0} msg/s of 1 connection \
         ({partitions} partitions; counted once every connection holds its partitions).",
        multiplexed.rate(),
        multiplexed.rate() / single.rate().max(f64::EPSILON),
        single.rate()
    ));
    Ok(())
}

/// Nodes of the swarm scenario's swarm.
const SWARM_NODES: usize = 2;

/// 10: swarm: pass-through on 12 partitions by one `server` process and by a swarm of
/// [`SWARM_NODES`] nodes (`swarm-app`, its processes released together once all are in the
/// group); the baseline is one rust-rdkafka consumer.
async fn scenario_10(
    table: &mut Table,
    repeat: usize,
    backlog: &Backlog,
    bootstrap: &str,
    measure: &Measure<'_>,
) -> anyhow::Result<()> {
    let topic = backlog.topic();
    let baseline = median(repeat, || {
        measure(
            Implementation::Baseline,
            Workload::Noop,
            topic.clone(),
            backlog.messages,
        )
    })?;
    let (mut servers, mut swarms) = (Vec::new(), Vec::new());
    for _ in 0..repeat.max(1) {
        servers.push(swarm_run::run(bootstrap, &topic, backlog.messages, None).await?);
        swarms.push(swarm_run::run(bootstrap, &topic, backlog.messages, Some(SWARM_NODES)).await?);
    }
    let (server, swarm) = (middle(servers), middle(swarms));
    let partitions = backlog.partitions;
    table.push(Row::throughput(
        format!("10. pass-through, 100 B, {partitions} partitions, 1 process (`server`)"),
        &baseline,
        &server,
        "report",
        0.0,
    ));
    table.push(Row::throughput(
        format!("10. pass-through, 100 B, {partitions} partitions, swarm of {SWARM_NODES} nodes"),
        &baseline,
        &swarm,
        "report",
        0.0,
    ));
    table.note(format!(
        "Swarm: {SWARM_NODES} nodes handle {:.0} msg/s, {:.2} × the {:.0} msg/s of one `server` \
         process, in {:.0} MB of peak RSS over all nodes against {:.0} MB ({partitions} \
         partitions; handling starts once every process is in the group).",
        swarm.rate(),
        swarm.rate() / server.rate().max(f64::EPSILON),
        server.rate(),
        swarm.peak_rss_kb as f64 / 1024.0,
        server.peak_rss_kb as f64 / 1024.0,
    ));
    Ok(())
}

/// Runs a measurement `repeat` times in child processes; returns the run with the median rate.
fn median(repeat: usize, run: impl Fn() -> Run) -> anyhow::Result<Outcome> {
    median_by(repeat, || measure(&run()))
}

/// Measures `repeat` times with `outcome`; returns the run with the median rate.
fn median_by(
    repeat: usize,
    outcome: impl FnMut() -> anyhow::Result<Outcome>,
) -> anyhow::Result<Outcome> {
    let outcomes = std::iter::repeat_with(outcome)
        .take(repeat.max(1))
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(middle(outcomes))
}

/// The outcome with the median rate.
fn middle(mut outcomes: Vec<Outcome>) -> Outcome {
    outcomes.sort_by(|a, b| a.rate().total_cmp(&b.rate()));
    outcomes.swap_remove(outcomes.len() / 2)
}

/// Runs `run(Noop)` and `run(Observed)` alternately `repeat` times each; the median of each.
fn median_of_pairs(
    repeat: usize,
    run: impl Fn(Workload) -> Run,
) -> anyhow::Result<(Outcome, Outcome)> {
    let (mut plain, mut observed) = (Vec::new(), Vec::new());
    for _ in 0..repeat.max(1) {
        plain.push(measure(&run(Workload::Noop))?);
        observed.push(measure(&run(Workload::Observed))?);
    }
    Ok((middle(plain), middle(observed)))
}

/// A latency run on a fresh topic, produced to while it is consumed.
async fn latency_run(config: &karafka::Config, run: Run) -> anyhow::Result<Outcome> {
    let admin = karafka::admin::Admin::new(config)?;
    let topic = format!("bench-latency-{}", spec::now_micros());
    admin.create_topic(&topic, 1, 1).await?;
    let outcome = measure(&Run {
        topic: topic.clone(),
        ..run
    });
    let _ = admin.delete_topic(&topic).await;
    outcome
}

/// Runs one measurement in a child process, with the CPU time the process used.
fn measure(run: &Run) -> anyhow::Result<Outcome> {
    eprintln!(
        "  measuring {:?} {:?} on {} ({} messages)",
        run.implementation, run.workload, run.topic, run.messages
    );
    let (output, usage) = child::output(
        Command::new(std::env::current_exe()?)
            .arg("measure")
            .arg(serde_json::to_string(run)?)
            .env("KAFKA_BOOTSTRAP_SERVERS", &run.bootstrap),
    )
    .context("running a measurement")?;
    if !output.status.success() {
        bail!(
            "a measurement failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout.lines().last().unwrap_or_default();
    let outcome: Outcome =
        serde_json::from_str(line).with_context(|| format!("reading a measurement: {line}"))?;
    Ok(Outcome {
        cpu_seconds: usage.cpu_seconds,
        ..outcome
    })
}
