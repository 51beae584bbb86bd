//! Background jobs over Kafka: two job types, the routes that perform them, and the app.
//!
//! - [`SendWelcomeEmail`] "sends" a mail by producing it to `emails_sent` (where a mail service
//!   would pick it up); a job that fails is retried twice, then dead-lettered to `jobs_dlq`.
//! - [`ResizeAvatar`] is ordered by user: avatars of one user are resized in the order they
//!   were uploaded, while virtual partitions resize different users' avatars in parallel.
//!
//! Run it from this directory (the app reads `./karafka.toml`), against a broker on
//! `127.0.0.1:9092`:
//!
//! ```sh
//! cd examples/jobs
//! cargo run -p example-jobs --bin example-jobs -- topics migrate   # creates the topics
//! cargo run -p example-jobs --bin example-jobs -- server           # performs jobs
//! cargo run -p example-jobs --bin enqueue -- ada@example.com       # enqueues some
//! ```

use karafka::jobs::{Job, JobContext};
use karafka::middleware::VirtualPartitions;
use karafka::producer::Record;
use karafka::routing::Routes;
use karafka::{async_trait, routes, App, Config};
use serde::{Deserialize, Serialize};

/// The topic performed jobs write their mails to.
pub const EMAILS_SENT: &str = "emails_sent";

/// Sends the welcome mail of a new user.
#[derive(Debug, Serialize, Deserialize)]
pub struct SendWelcomeEmail {
    /// The recipient.
    pub to: String,
}

#[async_trait]
impl Job for SendWelcomeEmail {
    async fn perform(&self, ctx: &mut JobContext<'_>) -> anyhow::Result<()> {
        anyhow::ensure!(self.to.contains('@'), "`{}` is not an address", self.to);
        let mail = serde_json::json!({ "to": self.to, "subject": "Welcome!", "job": ctx.id() });
        ctx.context()
            .producer()
            .produce_sync(Record::json(EMAILS_SENT, &mail)?.key(self.to.as_str()))
            .await?;
        tracing::info!(to = %self.to, attempt = ctx.attempt(), "welcome mail sent");
        Ok(())
    }
}

/// Resizes an uploaded avatar; one user's avatars are resized in upload order.
#[derive(Debug, Serialize, Deserialize)]
pub struct ResizeAvatar {
    /// Whose avatar.
    pub user_id: u64,
    /// Which upload of theirs.
    pub upload: u32,
}

#[async_trait]
impl Job for ResizeAvatar {
    // Stays the name in the envelopes when the type is renamed.
    fn name() -> &'static str {
        "ResizeAvatar"
    }

    fn key(&self) -> Option<String> {
        Some(self.user_id.to_string())
    }

    async fn perform(&self, ctx: &mut JobContext<'_>) -> anyhow::Result<()> {
        let waited_ms = ctx
            .enqueued_at()
            .elapsed()
            .map_or(0, |waited| waited.as_millis());
        tracing::info!(
            user = self.user_id,
            upload = self.upload,
            waited_ms,
            "avatar resized"
        );
        Ok(())
    }
}

/// The routes: one jobs topic for both types, and the topics it writes to.
pub fn routes() -> Routes {
    routes! {
        jobs "jobs" {
            jobs: [SendWelcomeEmail, ResizeAvatar],
            dead_letter_queue: { topic: "jobs_dlq", max_retries: 2 },
            virtual_partitions: VirtualPartitions::by_key().max_partitions(4),
            config: { partitions: 3 },
        }
        declare "jobs_dlq"
        declare "emails_sent" { partitions: 3 }
    }
}

/// The app, with the settings `karafka.toml` and `KARAFKA_*` give.
pub fn app() -> anyhow::Result<App> {
    app_with(Config::load()?)
}

/// The app with `config`.
pub fn app_with(config: Config) -> anyhow::Result<App> {
    Ok(App::builder().config(config).routes(routes()).build()?)
}
