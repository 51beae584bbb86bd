//! The app of the swarm scenario (10): passes the messages of `BENCH_TOPIC` through, as
//! `server` or as `swarm --nodes N` (settings from `KARAFKA_*`, as any app's). No message is
//! handled before the file `BENCH_GO` exists, so the measurement starts once the benchmark saw
//! every node in the group; when its server stopped, a process that handled messages writes its
//! tally to `BENCH_TALLY_DIR/<pid>.json`.

use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use karafka::routing::{Routes, Topic};
use karafka::{async_trait, App, Config, Consumer, Context, TopicPartition};

#[path = "../process.rs"]
mod process;
use process::{now_micros, peak_rss_kb};

/// What this process handled: messages, and the first and last handling (µs since the epoch).
static HANDLED: AtomicU64 = AtomicU64::new(0);
static FIRST_US: AtomicU64 = AtomicU64::new(u64::MAX);
static LAST_US: AtomicU64 = AtomicU64::new(0);

#[derive(Default)]
struct PassThrough;

#[async_trait]
impl Consumer for PassThrough {
    async fn consume(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        let now = now_micros();
        FIRST_US.fetch_min(now, Ordering::Relaxed);
        HANDLED.fetch_add(ctx.messages().len() as u64, Ordering::Relaxed);
        LAST_US.fetch_max(now_micros(), Ordering::Relaxed);
        Ok(())
    }

    async fn initialized(&mut self, _: &TopicPartition) -> anyhow::Result<()> {
        let go = std::env::var_os("BENCH_GO").unwrap_or_default();
        // The benchmark creates it within its own bound; a node it never releases is stopped
        // with the swarm.
        while !std::path::Path::new(&go).exists() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        Ok(())
    }
}

fn app() -> anyhow::Result<App> {
    let topic = std::env::var("BENCH_TOPIC")?;
    Ok(App::builder()
        .config(Config::load()?)
        .routes(Routes::new().topic(Topic::new(topic).consumer::<PassThrough>()))
        .build()?)
}

/// Writes this process's tally, if it handled anything (the supervisor handles nothing).
fn write_tally() -> anyhow::Result<()> {
    let handled = HANDLED.load(Ordering::Relaxed);
    if handled == 0 {
        return Ok(());
    }
    let dir = std::env::var("BENCH_TALLY_DIR")?;
    let tally = serde_json::json!({
        "messages": handled,
        "first_us": FIRST_US.load(Ordering::Relaxed),
        "last_us": LAST_US.load(Ordering::Relaxed),
        "peak_rss_kb": peak_rss_kb(),
    });
    let path = std::path::Path::new(&dir).join(format!("{}.json", std::process::id()));
    std::fs::write(path, tally.to_string())?;
    Ok(())
}

fn main() -> ExitCode {
    let code = karafka::cli::run(app);
    if let Err(error) = write_tally() {
        eprintln!("error: the tally was not written: {error:#}");
        return ExitCode::FAILURE;
    }
    code
}
