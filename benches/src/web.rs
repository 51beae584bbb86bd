//! Scenario 8: the web UI's pages with 50 processes × 1000 partitions of fake reports, written
//! to Kafka and read back by the UI's own tail, each page timed through the UI's router (its
//! security layer included) against the 500 ms budget, next to the same pages for one small
//! process as the baseline.

use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use karafka::admin::Admin;
use karafka::config::WebConfig;
use karafka::{Config, Producer, Record};
use karafka_web::ui::{fake, tail};
use karafka_web::Ui;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt as _;

/// Every page must render within this.
pub(crate) const BUDGET: Duration = Duration::from_millis(500);

/// The pages timed: those drawn from the reports, then those that ask the cluster; the last
/// shows 25 of the reports themselves (about 1000 partitions each) in the explorer.
const PAGES: [&str; 8] = [
    "/",
    "/consumers",
    "/errors",
    "/routes",
    "/cluster",
    "/dead_letters",
    "/explorer",
    "/explorer/<reports topic>/0",
];

/// One page's median render time, for the small and the large board.
pub(crate) struct PageTime {
    /// The page's path (`<reports topic>` for the run's reports topic).
    pub(crate) page: &'static str,
    pub(crate) small: Duration,
    pub(crate) large: Duration,
}

/// Times every page with `processes` × `partitions` of fake reports in Kafka (and one small
/// process as the baseline), `repeat` renders each (median).
pub(crate) async fn pages(
    config: &Config,
    processes: usize,
    partitions: usize,
    repeat: usize,
) -> anyhow::Result<Vec<PageTime>> {
    let small = board_times(config, 1, 10, repeat).await?;
    let large = board_times(config, processes, partitions, repeat).await?;
    Ok(PAGES
        .iter()
        .zip(small.into_iter().zip(large))
        .map(|(page, (small, large))| PageTime { page, small, large })
        .collect())
}

/// Median render time of each of [`PAGES`] over a UI whose tail read `processes` ×
/// `partitions` of fake reports (12 per process) and an error per process.
async fn board_times(
    config: &Config,
    processes: usize,
    partitions: usize,
    repeat: usize,
) -> anyhow::Result<Vec<Duration>> {
    let stamp = crate::spec::now_micros();
    let web = WebConfig {
        reports_topic: format!("bench-web-reports-{stamp}"),
        errors_topic: format!("bench-web-errors-{stamp}"),
        commands_topic: format!("bench-web-commands-{stamp}"),
        ..WebConfig::default()
    };
    let config = Config {
        web: web.clone(),
        ..config.clone()
    };
    let admin = Admin::new(&config)?;
    for topic in [&web.reports_topic, &web.errors_topic, &web.commands_topic] {
        admin.create_topic(topic, 1, 1).await?;
    }
    let producer = Producer::new(&config)?;
    let now = now_ms();
    let interval = 5_000;
    let mut records = Vec::new();
    for process in 0..processes {
        for tick in (0..12_u64).rev() {
            let report = fake::report(
                process,
                partitions,
                now - tick * interval,
                1_000 * (12 - tick),
            );
            records.push(Record::json(&web.reports_topic, &report)?);
        }
        records.push(Record::json(&web.errors_topic, &fake::error(process, now))?);
    }
    producer.produce_many_sync(records).await?;

    let ui = Ui::from_parts(&config, Vec::new(), producer)?;
    let board = ui.board();
    let reading = CancellationToken::new();
    let tail = tokio::spawn(tail::run(
        admin.clone(),
        web.clone(),
        ui.board(),
        reading.clone(),
    ));
    let started = Instant::now();
    loop {
        let read = board
            .read()
            .map(|board| board.processes().count())
            .unwrap_or_default();
        if read == processes {
            break;
        }
        if started.elapsed() > Duration::from_secs(120) {
            bail!("the UI read {read} of {processes} processes' reports within 120 s");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let router = ui.router();
    let mut times = Vec::new();
    for page in PAGES {
        let path = page.replace("<reports topic>", &web.reports_topic);
        let mut samples = Vec::new();
        for _ in 0..repeat.max(1) {
            let request = axum::http::Request::get(&path).body(axum::body::Body::empty())?;
            let started = Instant::now();
            let response = router.clone().oneshot(request).await?;
            let status = response.status();
            axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .context("reading a page")?;
            samples.push(started.elapsed());
            if !status.is_success() {
                bail!("{page} answered {status}");
            }
        }
        samples.sort();
        times.push(samples[samples.len() / 2]);
    }
    reading.cancel();
    // The tail only ends; what it read is measured.
    let _ = tail.await;
    for topic in [&web.reports_topic, &web.errors_topic, &web.commands_topic] {
        let _ = admin.delete_topic(topic).await;
    }
    Ok(times)
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| {
            u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
        })
}
