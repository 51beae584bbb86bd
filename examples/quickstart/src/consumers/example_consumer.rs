//! Logs the payload of every message of the `example` topic.

use karafka::{async_trait, Consumer, Context};

/// Logs each payload; the runtime marks the batch as consumed when `consume` returns `Ok`.
#[derive(Default)]
pub struct ExampleConsumer;

#[async_trait]
impl Consumer for ExampleConsumer {
    async fn consume(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        for message in ctx.messages() {
            let payload: serde_json::Value = message.payload()?;
            tracing::info!(offset = message.offset(), "{payload}");
        }
        Ok(())
    }
}
