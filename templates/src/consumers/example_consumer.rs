//! Logs the payload of every message of the `example` topic, and counts them.

use karafka::async_trait;
use karafka::{Consumer, Context, Message};

use super::ApplicationConsumer;

/// Logs each payload it consumes. One instance per partition, kept across batches.
#[derive(Default)]
pub struct ExampleConsumer {
    /// Messages this instance handled.
    pub consumed: usize,
}

#[async_trait]
impl Consumer for ExampleConsumer {
    async fn consume(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        self.handle_each(ctx).await
    }
}

#[async_trait]
impl ApplicationConsumer for ExampleConsumer {
    async fn handle(&mut self, message: &Message, _ctx: &Context) -> anyhow::Result<()> {
        // Any `#[derive(serde::Deserialize)]` type of the app decodes the same way.
        let payload: serde_json::Value = message.payload()?;
        tracing::info!(offset = message.offset(), "{payload}");
        self.consumed += 1;
        Ok(())
    }
}
