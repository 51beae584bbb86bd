//! A test app run as a real process by the integration tests (kill, terminate, exit codes).
//!
//! Settings come from `KARAFKA_*` variables; `PROBE_TOPIC` names the topic, `PROBE_LOG` a file
//! that gets one `partition offset` line per handled message (written before the message is
//! marked), and `PROBE_SLEEP_MS` an await per message that makes batches slow.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use karafka::routing::{Routes, Topic};
use karafka::{async_trait, App, Config, Consumer, Context};

struct Probe {
    log: Arc<File>,
    sleep: Duration,
}

#[async_trait]
impl Consumer for Probe {
    async fn consume(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        for message in ctx.messages() {
            tokio::time::sleep(self.sleep).await;
            // One write per line, so a kill never leaves half a line.
            (&*self.log)
                .write_all(format!("{} {}\n", message.partition(), message.offset()).as_bytes())?;
        }
        Ok(())
    }
}

fn app() -> anyhow::Result<App> {
    let topic = std::env::var("PROBE_TOPIC").context("PROBE_TOPIC is required")?;
    let path = std::env::var("PROBE_LOG").context("PROBE_LOG is required")?;
    let sleep = Duration::from_millis(
        std::env::var("PROBE_SLEEP_MS")
            .map_or(Ok(0), |ms| ms.parse())
            .context("PROBE_SLEEP_MS")?,
    );
    let log = Arc::new(OpenOptions::new().create(true).append(true).open(&path)?);
    Ok(App::builder()
        .config(Config::load()?)
        .routes(
            Routes::new().topic(Topic::new(topic).consumer_with(move || Probe {
                log: Arc::clone(&log),
                sleep,
            })),
        )
        .build()?)
}

fn main() -> ExitCode {
    karafka::cli::run(app)
}
