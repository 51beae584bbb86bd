//! Helpers of the web UI's tests: an app whose consumer fails on a poison message until it was
//! replayed from its dead-letter topic, the `[web]` settings of unique topics, and reads of what
//! the process reported.

use std::time::{Duration, Instant};

use karafka::admin::Admin;
use karafka::config::WebConfig;
use karafka::middleware::DeadLetterQueue;
use karafka::routing::{Routes, Topic};
use karafka::{async_trait, App, Config, Consumer, Context};
use karafka_web::dlq::REPLAYS_HEADER;
use karafka_web::report::{decode, Decoded, PartitionReport, Report};
use karafka_web::Web;
use serde::de::DeserializeOwned;

use crate::{config, create_topic, unique, Log, RunningServer};

/// The payload [`Picky`] fails on until it comes back replayed.
pub const POISON: &str = "poison";

/// What [`Picky`]'s failure says.
pub const FAILURE: &str = "charge failed: card declined";

/// Records every message it handles; fails on [`POISON`] unless it carries a replay count (as if
/// the bug was fixed before the replay). With one retry, the poison's first failure is an error
/// event and its retry sends it to the dead-letter topic.
#[derive(Clone)]
pub struct Picky {
    log: Log,
}

#[async_trait]
impl Consumer for Picky {
    async fn consume(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        for message in ctx.messages() {
            let replayed = message.headers().get(REPLAYS_HEADER).is_some();
            if message.raw_payload() == Some(POISON.as_bytes()) && !replayed {
                anyhow::bail!("charge failed: card declined");
            }
            self.log.record(message, 0);
        }
        Ok(())
    }
}

/// A topic of two partitions, its dead-letter topic, and `[web]` settings of fresh topics that
/// report every 200 ms.
pub struct WebSetup {
    /// The app's settings, `[web]` enabled.
    pub config: Config,
    /// The routed topic (two partitions).
    pub topic: String,
    /// Its dead-letter topic.
    pub dead_letters: String,
    /// What the consumer handled.
    pub log: Log,
}

impl WebSetup {
    /// Creates the topics; `web` adjusts the `[web]` settings.
    pub async fn new(web: impl FnOnce(WebConfig) -> WebConfig) -> Self {
        let topic = unique("web-orders");
        let dead_letters = unique("web-orders-dlq");
        let web = web(WebConfig {
            enabled: true,
            report_interval: Duration::from_millis(200),
            reports_topic: unique("web-reports"),
            errors_topic: unique("web-errors"),
            commands_topic: unique("web-commands"),
            max_replays: 2,
            ..WebConfig::default()
        });
        for (name, partitions) in [
            (topic.as_str(), 2),
            (dead_letters.as_str(), 1),
            (web.reports_topic.as_str(), 1),
            (web.errors_topic.as_str(), 1),
            (web.commands_topic.as_str(), 1),
        ] {
            create_topic(name, partitions).await;
        }
        let config = Config {
            web,
            ..config(&unique("web-group"))
        }
        // The reports carry librdkafka's lag figures; its default 5 s would slow the tests.
        .kafka("statistics.interval.ms", 200);
        Self {
            config,
            topic,
            dead_letters,
            log: Log::default(),
        }
    }

    /// The app: [`Picky`] on the topic, one retry, then the dead-letter topic; `web` reports.
    pub fn app(&self, web: Web) -> App {
        let log = self.log.clone();
        App::builder()
            .config(self.config.clone())
            .routes(
                Routes::new().topic(
                    Topic::new(&self.topic)
                        .consumer_with(move || Picky { log: log.clone() })
                        .dead_letter_queue(DeadLetterQueue::new(&self.dead_letters).max_retries(1)),
                ),
            )
            .plugin(web)
            .build()
            .expect("valid app")
    }

    /// Starts a server of [`WebSetup::app`]; returns it, the process id it reports under, and
    /// an admin client of the test broker.
    pub fn start(&self) -> (RunningServer, String, Admin) {
        let web = Web::new();
        let process = web.process_id().to_owned();
        (
            RunningServer::start_app(self.app(web)),
            process,
            self.admin(),
        )
    }

    /// An admin client of the test broker.
    pub fn admin(&self) -> Admin {
        Admin::new(&self.config).expect("admin")
    }
}

/// The records of the last 500 of `topic`'s first partition that this build decodes.
pub async fn records<T: DeserializeOwned>(admin: &Admin, topic: &str) -> Vec<T> {
    let (low, high) = admin.watermarks(topic, 0).await.expect("watermarks");
    let start = low.max(high - 500);
    let count = usize::try_from(high - start).unwrap_or(0);
    let messages = admin
        .read_topic(topic, 0, start, count)
        .await
        .expect("read");
    messages
        .iter()
        .filter_map(|message| match decode::<T>(message.raw_payload()?) {
            Ok(Decoded::Current(record)) => Some(record),
            _ => None,
        })
        .collect()
}

/// Waits up to 30 s for the first of the last 500 records of `topic` that `pick` takes;
/// panics naming `what`.
pub async fn wait_record<T: DeserializeOwned, R>(
    admin: &Admin,
    topic: &str,
    what: &str,
    pick: impl Fn(T) -> Option<R>,
) -> R {
    let started = Instant::now();
    loop {
        if let Some(found) = records::<T>(admin, topic).await.into_iter().find_map(&pick) {
            return found;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no record of {topic} showed {what} within 30 s"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Waits up to 30 s for the latest report of `process` to satisfy `done`; panics naming `what`
/// with the last report seen.
pub async fn wait_report(
    admin: &Admin,
    topic: &str,
    process: &str,
    what: &str,
    done: impl Fn(&Report) -> bool,
) -> Report {
    let started = Instant::now();
    let mut last = None;
    while started.elapsed() < Duration::from_secs(30) {
        last = records::<Report>(admin, topic)
            .await
            .into_iter()
            .rfind(|report| report.process.id == process);
        if let Some(report) = last.as_ref().filter(|report| done(report)) {
            return report.clone();
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("no report of {process} showed {what} within 30 s; last: {last:#?}");
}

/// `topic`/`partition` in `report`, if the process owns it.
pub fn reported<'a>(
    report: &'a Report,
    topic: &str,
    partition: i32,
) -> Option<&'a PartitionReport> {
    report
        .groups
        .iter()
        .flat_map(|group| &group.partitions)
        .find(|p| p.topic == topic && p.partition == partition)
}
