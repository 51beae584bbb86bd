//! Produces `{"Karafka is awesome": "true"}` to the `example` topic from app code, as a web
//! request or a job of the app would: `cargo run --bin produce` while `cargo karafka server`
//! runs, and the server logs it.

use karafka::Record;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let app = {{crate_name}}::app()?;
    // produce_sync waits for the broker's acknowledgement; produce_async returns a handle to
    // await later.
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
