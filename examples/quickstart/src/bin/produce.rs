//! Produces `{"Karafka is awesome": "true"}` to `example` from app code, as a web request or a
//! job of the app would.

use karafka::Record;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let app = quickstart::karafka::app()?;
    let delivery = app
        .producer()
        .produce_sync(Record::json(
            "example",
            &serde_json::json!({"Karafka is awesome": "true"}),
        )?)
        .await?;
    println!(
        "produced to {}/{} at offset {}",
        delivery.topic, delivery.partition, delivery.offset
    );
    Ok(())
}
