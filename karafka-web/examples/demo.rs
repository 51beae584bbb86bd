//! Serves the UI against a local broker with made-up reports and errors written to fresh web
//! topics: `cargo run -p karafka-web --example demo -- 127.0.0.1:3999`.

use karafka::admin::Admin;
use karafka::config::{Config, WebConfig};
use karafka::middleware::DeadLetterQueue;
use karafka::routing::{Routes, Topic};
use karafka::{async_trait, App, Consumer, Context, Record};
use karafka_web::ui::fake;
use karafka_web::Ui;

/// The demo app's consumer (the demo runs no server: only its route is shown).
#[derive(Default)]
struct Orders;

#[async_trait]
impl Consumer for Orders {
    async fn consume(&mut self, _: &mut Context) -> anyhow::Result<()> {
        Ok(())
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt::init();
    let address = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:3999".into());
    let suffix = std::process::id();
    let web = WebConfig {
        address,
        reports_topic: format!("demo_reports_{suffix}"),
        errors_topic: format!("demo_errors_{suffix}"),
        commands_topic: format!("demo_commands_{suffix}"),
        ..WebConfig::default()
    };
    let config = Config {
        web: web.clone(),
        ..Config::default()
    }
    .kafka("bootstrap.servers", "127.0.0.1:9092");
    let routes = Routes::new().topic(
        Topic::new("orders")
            .consumer::<Orders>()
            .dead_letter_queue(DeadLetterQueue::new("orders-dlq")),
    );
    let app = App::builder().config(config).routes(routes).build()?;
    let admin = Admin::new(app.config())?;
    for topic in [&web.reports_topic, &web.errors_topic, &web.commands_topic] {
        admin.create_topic(topic, 1, 1).await?;
    }
    let now = karafka_web_now();
    for step in 0..24u64 {
        let at = now - (24 - step) * 5_000;
        for index in 0..4 {
            let report = fake::report(index, 6, at, step * step * 40 * (index as u64 + 1));
            let record = Record::new(&web.reports_topic, serde_json::to_vec(&report)?)
                .key(report.process.id.clone().into_bytes());
            app.producer().produce_sync(record).await?;
        }
        if step % 5 == 0 {
            let error = serde_json::to_vec(&fake::error(step as usize, at))?;
            app.producer()
                .produce_sync(Record::new(&web.errors_topic, error))
                .await?;
        }
    }
    Ui::new(&app)?
        .serve(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}

fn karafka_web_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| {
            u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
        })
}
