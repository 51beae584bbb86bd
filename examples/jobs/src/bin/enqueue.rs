//! Enqueues a welcome mail for each address given, and three avatar uploads of one user, from
//! app code: `cargo run -p example-jobs --bin enqueue -- ada@example.com grace@example.com`.

use std::time::Duration;

use example_jobs::{app, ResizeAvatar, SendWelcomeEmail};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    karafka::instrumentation::init_logging("info");
    let app = app()?;
    let jobs = app.jobs();
    for to in std::env::args().skip(1) {
        let enqueued = jobs.enqueue(&SendWelcomeEmail { to }).await?;
        tracing::info!(id = %enqueued.id, "welcome mail enqueued");
    }
    let uploads: Vec<ResizeAvatar> = (1..=3)
        .map(|upload| ResizeAvatar { user_id: 7, upload })
        .collect();
    jobs.enqueue_many(&uploads).await?;
    app.producer().flush(Duration::from_secs(10)).await?;
    Ok(())
}
