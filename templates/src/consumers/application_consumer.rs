//! Behaviour every consumer of this app shares. Rust has no base class: shared behaviour is a
//! trait with provided methods, which each consumer gets by implementing the trait. (Concerns that
//! wrap every batch, such as timing or error reporting, fit best in a tower layer added to all
//! topics with `defaults { layer: ... }` in the routes.)

use karafka::async_trait;
use karafka::{Context, Message};

/// Message-by-message handling for the app's consumers.
#[async_trait]
pub trait ApplicationConsumer: Send {
    /// Handles one message.
    async fn handle(&mut self, message: &Message, ctx: &Context) -> anyhow::Result<()>;

    /// Handles the batch message by message and marks each once handled, so a failure is retried
    /// from the failing message instead of the batch's start. Call it from `Consumer::consume`.
    async fn handle_each(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        let messages = ctx.messages().clone();
        for message in messages.iter() {
            self.handle(message, ctx).await?;
            ctx.mark_as_consumed(message);
        }
        Ok(())
    }
}
