//! Serves the UI against a local broker with made-up reports and errors written to fresh web
//! topics: `cargo run -p karafka-web --example demo -- 127.0.0.1:3999`.

use karafka::admin::Admin;
use karafka::config::{Config, Secret, WebConfig};
use karafka::consumer::Noop;
use karafka::middleware::dead_letter_queue::headers;
use karafka::middleware::DeadLetterQueue;
use karafka::routing::{Routes, Topic};
use karafka::{App, Record};
use karafka_web::ui::fake;
use karafka_web::Ui;

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
        // Commands and replays need it: `curl -H 'Authorization: Bearer demo' ...`.
        token: Some(Secret::new("demo")),
        ..WebConfig::default()
    };
    let config = Config {
        web: web.clone(),
        ..Config::default()
    }
    .kafka("bootstrap.servers", "127.0.0.1:9092");
    let orders = format!("demo_orders_{suffix}");
    let dead_letters = format!("demo_orders_dlq_{suffix}");
    let routes = Routes::new().topic(
        Topic::new(&orders)
            .consumer::<Noop>()
            .dead_letter_queue(DeadLetterQueue::new(&dead_letters)),
    );
    let app = App::builder().config(config).routes(routes).build()?;
    let admin = Admin::new(app.config())?;
    for topic in [
        &web.reports_topic,
        &web.errors_topic,
        &web.commands_topic,
        &orders,
        &dead_letters,
    ] {
        admin.create_topic(topic, 1, 1).await?;
    }
    for offset in 0..3 {
        let record = Record::new(
            &dead_letters,
            format!(r#"{{"order": {offset}, "total": 12.5}}"#),
        )
        .key(format!("order-{offset}").into_bytes())
        .header(headers::TOPIC, orders.as_bytes().to_vec())
        .header(headers::PARTITION, b"0".to_vec())
        .header(headers::OFFSET, (40 + offset).to_string().into_bytes())
        .header(headers::ERROR, b"the order has no customer".to_vec());
        app.producer().produce_sync(record).await?;
    }
    // Two minutes of history, then a report every 5 s, as four live processes would write.
    let start = karafka_web_now().saturating_sub(120_000);
    let producer = app.producer().clone();
    let reports = web.reports_topic.clone();
    let errors = web.errors_topic.clone();
    tokio::spawn(async move {
        for step in 0u64.. {
            let at = start + step * 5_000;
            let wait = at.saturating_sub(karafka_web_now());
            tokio::time::sleep(std::time::Duration::from_millis(wait)).await;
            for index in 0..4 {
                let messages = step * 150 * (index as u64 + 1) + step * step * 5;
                let report = fake::report(index, 6, at, messages);
                let Ok(payload) = serde_json::to_vec(&report) else {
                    continue;
                };
                let record =
                    Record::new(&reports, payload).key(report.process.id.clone().into_bytes());
                if let Err(error) = producer.produce_sync(record).await {
                    tracing::warn!(%error, "a demo report was not written");
                }
            }
            if step % 7 == 0 {
                if let Ok(payload) = serde_json::to_vec(&fake::error(step as usize, at)) {
                    if let Err(error) = producer.produce_sync(Record::new(&errors, payload)).await {
                        tracing::warn!(%error, "a demo error was not written");
                    }
                }
            }
        }
    });
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
