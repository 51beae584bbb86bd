//! `--soak`: memory under backpressure. Messages arrive ten times faster than the handlers
//! finish them, for 30 minutes (2½ with `--quick`, so that the run ends within 3), over 64
//! partitions, in a karafka process with `max_memory`. Its resident memory is read every few
//! seconds and held against the bound ARCHITECTURE.md states, and its slope over the last two
//! thirds of the run must stay under 1 MB a minute. The slope is only a target of the full run:
//! the first two or three minutes are the fill (BENCHMARKS.md), all a quick run has.

use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use karafka::admin::Admin;
use karafka::config::ByteSize;
use karafka::routing::{Routes, Topic, TopicConfig};
use karafka::{async_trait, App, Config, Consumer, Context};
use plotters::prelude::*;
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer as _, ThreadedProducer};
use rdkafka::ClientConfig;

use crate::process::{now_micros, status_kb};

const PARTITIONS: i32 = 64;
const MESSAGE: usize = 1024;
const BUDGET_MIB: u64 = 32;
const MAX_MESSAGES: usize = 100;
const CONCURRENCY: usize = 5;
/// What librdkafka keeps per prefetched message beyond its bytes, as in ARCHITECTURE.md's bound.
const PER_MESSAGE_OVERHEAD: u64 = 512;
/// How many budgets a live stream may take, as in ARCHITECTURE.md's bound: the queued messages,
/// the rest of the fetch responses they keep alive, and what the allocator keeps of freed ones.
const STREAM_FACTOR: f64 = 3.0;
/// Messages a second the handlers finish: each job of `CONCURRENCY` takes this long a message.
const HANDLE_PER_MESSAGE: Duration = Duration::from_millis(25);
/// Ten times what the handlers finish.
const INPUT_RATE: u64 = 10 * CONCURRENCY as u64 * 1000 / HANDLE_PER_MESSAGE.as_millis() as u64;
/// How often the consumer's memory is read.
const SAMPLING: Duration = Duration::from_secs(5);
/// The slope target, in MB (10⁶ bytes) a minute.
const SLOPE_TARGET: f64 = 1.0;

/// A handler ten times slower than the input.
#[derive(Default)]
struct Slow;

#[async_trait]
impl Consumer for Slow {
    async fn consume(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        let count = u32::try_from(ctx.messages().len()).unwrap_or(u32::MAX);
        tokio::time::sleep(HANDLE_PER_MESSAGE * count).await;
        Ok(())
    }
}

/// The child process: a karafka server with the slow handler on `topic` until it is killed.
pub(crate) async fn consume(bootstrap: &str, topic: &str, group: &str) -> anyhow::Result<()> {
    let mut config = Config::default()
        .kafka("bootstrap.servers", bootstrap)
        .group_id(group)
        .max_memory(ByteSize::mib(BUDGET_MIB));
    config.concurrency = CONCURRENCY;
    config.max_messages = MAX_MESSAGES;
    let app = App::builder()
        .config(config)
        .routes(Routes::new().topic(Topic::new(topic).consumer::<Slow>()))
        .build()?;
    app.server().run().await?;
    Ok(())
}

/// One reading of the consumer's resident memory.
#[derive(Debug, Clone, Copy)]
struct Sample {
    minutes: f64,
    rss_mib: f64,
}

/// The consumer's resident memory, in MiB; `None` once it exited.
fn rss_mib(pid: u32) -> Option<f64> {
    status_kb(&pid.to_string(), "VmRSS").map(|kib| kib as f64 / 1024.0)
}

/// The least-squares slope of `samples`, in MB (10⁶ bytes) a minute.
fn slope_mb_per_minute(samples: &[Sample]) -> f64 {
    let n = samples.len() as f64;
    if n < 2.0 {
        return 0.0;
    }
    let mean_x = samples.iter().map(|s| s.minutes).sum::<f64>() / n;
    let mean_y = samples.iter().map(|s| s.rss_mib).sum::<f64>() / n;
    let covariance: f64 = samples
        .iter()
        .map(|s| (s.minutes - mean_x) * (s.rss_mib - mean_y))
        .sum();
    let variance: f64 = samples.iter().map(|s| (s.minutes - mean_x).powi(2)).sum();
    if variance == 0.0 {
        return 0.0;
    }
    covariance / variance * (1 << 20) as f64 / 1e6
}

/// Kills the consumer however the soak ends.
struct KilledOnDrop(Child);

impl Drop for KilledOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs the soak; returns whether its targets held (the bound; and the slope, in a full run).
/// Writes the chart of memory over time to
/// `chart`, if given.
pub(crate) async fn run(
    bootstrap: &str,
    quick: bool,
    chart: Option<&std::path::Path>,
) -> anyhow::Result<bool> {
    let length = if quick {
        Duration::from_secs(150)
    } else {
        Duration::from_secs(30 * 60)
    };
    let topic = format!("soak-memory-{}-{}", std::process::id(), now_micros());
    let admin = Admin::new(&Config::default().kafka("bootstrap.servers", bootstrap))?;
    // Small segments that expire: the backlog grows by 2 MB a second, which no disk should keep.
    admin
        .create_topic_with(
            &topic,
            &TopicConfig::new()
                .partitions(PARTITIONS)
                .setting("retention.ms", "600000")
                .setting("segment.bytes", "16777216"),
        )
        .await
        .context("creating the soak's topic")?;
    let result = soak(bootstrap, &topic, length, !quick, chart).await;
    let _ = admin.delete_topic(&topic).await;
    result
}

async fn soak(
    bootstrap: &str,
    topic: &str,
    length: Duration,
    slope_counts: bool,
    chart: Option<&std::path::Path>,
) -> anyhow::Result<bool> {
    let group = format!("{topic}-group");
    let child = Command::new(std::env::current_exe()?)
        .args(["soak-consumer", "--topic", topic, "--group", &group])
        .arg("--bootstrap")
        .arg(bootstrap)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .context("starting the soak's consumer")?;
    let consumer = KilledOnDrop(child);
    let pid = consumer.0.id();
    // Joined, assigned, nothing to prefetch yet: what the process takes without messages.
    tokio::time::sleep(Duration::from_secs(15)).await;
    let idle = rss_mib(pid).context("the soak's consumer exited before the input started")?;
    let produced = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let producer = produce(bootstrap, topic, Arc::clone(&produced), Arc::clone(&stop))?;
    let started = Instant::now();
    let mut samples = Vec::new();
    while started.elapsed() < length {
        tokio::time::sleep(SAMPLING).await;
        let rss = rss_mib(pid).context("the soak's consumer exited during the soak")?;
        // A line a minute: a 30-minute run shows it is alive.
        if samples.len() % 12 == 11 {
            eprintln!(
                "soak: {:.0} min, RSS {rss:.1} MiB, {} messages produced",
                started.elapsed().as_secs_f64() / 60.0,
                produced.load(Ordering::Acquire)
            );
        }
        samples.push(Sample {
            minutes: started.elapsed().as_secs_f64() / 60.0,
            rss_mib: rss,
        });
    }
    stop.store(true, Ordering::Release);
    tokio::task::spawn_blocking(move || producer.join())
        .await?
        .map_err(|_| anyhow::anyhow!("the soak's producer panicked"))?;
    drop(consumer);

    let budget = (BUDGET_MIB << 20) as f64;
    let prefetched = budget / MESSAGE as f64 * PER_MESSAGE_OVERHEAD as f64;
    let batches =
        (PARTITIONS as u64 * MAX_MESSAGES as u64 * (MESSAGE as u64 + PER_MESSAGE_OVERHEAD)) as f64;
    let bound = idle + (STREAM_FACTOR * (budget + prefetched) + batches) / f64::from(1 << 20);
    let peak = samples.iter().map(|s| s.rss_mib).fold(idle, f64::max);
    let tail_from = length.as_secs_f64() / 60.0 / 3.0;
    let tail: Vec<Sample> = samples
        .iter()
        .copied()
        .filter(|s| s.minutes >= tail_from)
        .collect();
    let slope = slope_mb_per_minute(&tail);
    let held = peak <= bound && (!slope_counts || slope < SLOPE_TARGET);
    let slope_target = if slope_counts {
        format!("target < {SLOPE_TARGET}")
    } else {
        "reported: a quick run is mostly the fill".to_owned()
    };
    println!(
        "\n| memory soak: {} min, {PARTITIONS} partitions, {MESSAGE} B messages, input {INPUT_RATE}/s, \
         handlers {}/s, max_memory {BUDGET_MIB} MiB | |\n|---|---|\n\
         | messages produced | {} |\n| RSS idle | {idle:.1} MiB |\n| RSS peak | {peak:.1} MiB |\n\
         | bound (idle + 3 × (budget + librdkafka's per-message overhead) + one batch per partition) | {bound:.1} MiB |\n\
         | RSS slope over the last {:.0} min | {slope:+.3} MB/min ({slope_target}) |\n\
         | targets | {} |",
        length.as_secs() / 60,
        INPUT_RATE / 10,
        produced.load(Ordering::Acquire),
        length.as_secs_f64() / 60.0 - tail_from,
        if held { "met" } else { "NOT met" }
    );
    if let Some(path) = chart {
        std::fs::write(path, svg(&samples, idle, bound)?)
            .with_context(|| format!("writing {}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    Ok(held)
}

/// Produces `INPUT_RATE` messages a second until `stop`, in record batches of at most 16 KiB
/// (the Java producer's default `batch.size`): a fetch returns at least one whole batch.
fn produce(
    bootstrap: &str,
    topic: &str,
    produced: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
) -> anyhow::Result<std::thread::JoinHandle<()>> {
    let producer: ThreadedProducer<DefaultProducerContext> = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("batch.size", "16384")
        .create()?;
    let topic = topic.to_owned();
    Ok(std::thread::spawn(move || {
        let payload = vec![b'x'; MESSAGE];
        let started = Instant::now();
        let interval = Duration::from_secs_f64(1.0 / INPUT_RATE as f64);
        let mut index: u64 = 0;
        while !stop.load(Ordering::Acquire) {
            let due = started + interval.mul_f64(index as f64);
            if let Some(wait) = due.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
            let partition = (index % PARTITIONS as u64) as i32;
            let mut record = BaseRecord::<(), [u8]>::to(&topic)
                .payload(&payload[..])
                .partition(partition);
            while let Err((_, returned)) = producer.send(record) {
                std::thread::sleep(Duration::from_millis(1));
                record = returned;
            }
            index += 1;
            produced.store(index, Ordering::Release);
        }
        let _ = producer.flush(Duration::from_secs(10));
    }))
}

/// The chart: the consumer's memory over time, its idle level and the bound.
fn svg(samples: &[Sample], idle: f64, bound: f64) -> anyhow::Result<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (900, 420)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| anyhow::anyhow!("{e}"))?;
        let minutes = samples.last().map_or(1.0, |s| s.minutes).max(1.0);
        let top = (bound * 1.25).max(samples.iter().map(|s| s.rss_mib).fold(0.0, f64::max));
        let mut chart = ChartBuilder::on(&root)
            .caption(
                format!(
                    "Consumer RSS while input arrives 10 × faster than the handlers \
                     (max_memory {BUDGET_MIB} MiB, {PARTITIONS} partitions)"
                ),
                ("sans-serif", 16),
            )
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(56)
            .build_cartesian_2d(0.0..minutes, 0.0..top)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        chart
            .configure_mesh()
            .x_desc("minutes")
            .y_desc("RSS (MiB)")
            .draw()
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let line = |level: f64, color: RGBColor, label: &str| {
            (
                LineSeries::new([(0.0, level), (minutes, level)], color.stroke_width(2)),
                label.to_owned(),
                color,
            )
        };
        for (series, label, color) in [
            line(bound, RGBColor(220, 38, 38), "bound"),
            line(idle, RGBColor(148, 163, 184), "idle"),
        ] {
            chart
                .draw_series(series)
                .map_err(|e| anyhow::anyhow!("{e}"))?
                .label(label)
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 18, y)], color));
        }
        let blue = RGBColor(37, 99, 235);
        chart
            .draw_series(LineSeries::new(
                samples.iter().map(|s| (s.minutes, s.rss_mib)),
                blue.stroke_width(2),
            ))
            .map_err(|e| anyhow::anyhow!("{e}"))?
            .label("RSS")
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 18, y)], blue));
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .position(SeriesLabelPosition::LowerRight)
            .draw()
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        root.present().map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slope_of_a_steady_rise_is_its_rate() {
        let samples: Vec<Sample> = (0..10)
            .map(|i| Sample {
                minutes: f64::from(i),
                rss_mib: 100.0 + 2.0 * f64::from(i),
            })
            .collect();
        let slope = slope_mb_per_minute(&samples);
        assert!((slope - 2.0 * 1.048_576).abs() < 1e-9, "{slope}");
    }

    #[test]
    fn slope_of_a_flat_line_is_zero() {
        let samples: Vec<Sample> = (0..10)
            .map(|i| Sample {
                minutes: f64::from(i),
                rss_mib: 50.0,
            })
            .collect();
        assert_eq!(slope_mb_per_minute(&samples), 0.0);
    }
}
