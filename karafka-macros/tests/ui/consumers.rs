// Consumers shared by the UI test cases.

use karafka::{async_trait, Consumer, Context};

#[derive(Default)]
pub struct OrdersConsumer;

#[async_trait]
impl Consumer for OrdersConsumer {
    async fn consume(&mut self, _: &mut Context) -> anyhow::Result<()> {
        Ok(())
    }
}

#[derive(Default)]
pub struct EventsConsumer;

#[async_trait]
impl Consumer for EventsConsumer {
    async fn consume(&mut self, _: &mut Context) -> anyhow::Result<()> {
        Ok(())
    }
}
