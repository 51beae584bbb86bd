//! What users write: a [`Consumer`] per topic, handed batches through a [`Context`].

mod context;
mod critical;
mod error;
mod noop;
mod panicked;
mod runtime;
mod stretch;
mod wrap;

use std::any::Any;

use async_trait::async_trait;

pub use context::Context;
pub use critical::Critical;
pub(crate) use critical::{critical_type, is_critical, CriticalTest};
pub use error::{find_cause, ConsumeError, DispatchError, MetadataError};
pub use noop::Noop;
pub use panicked::Panicked;
pub(crate) use runtime::{Control, DeadLetterSink, MarkFilter, PartitionHandle};
pub(crate) use stretch::{Admission, Streamed, Stretch};
pub use wrap::{Action, Wrap};

use crate::TopicPartition;

/// Handles the messages of one topic-partition.
///
/// The runtime keeps one instance per assigned partition (built by the route's factory) and calls
/// it with one batch at a time, in offset order, so `&mut self` state is per partition. (`Any`
/// lets tests reach an instance by its type; every `'static` type has it.)
///
/// ```
/// use karafka::{async_trait, Consumer, Context};
///
/// #[derive(Default)]
/// struct PrintConsumer;
///
/// #[async_trait]
/// impl Consumer for PrintConsumer {
///     async fn consume(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
///         for message in ctx.messages() {
///             let payload: serde_json::Value = message.payload()?;
///             println!("{payload}");
///         }
///         Ok(())
///     }
/// }
/// ```
#[async_trait]
pub trait Consumer: Any + Send {
    /// Handles a batch. On `Ok` the runtime marks the batch's last message as consumed (unless
    /// the route uses manual offset management). On `Err` or a panic, the partition pauses at the
    /// first unmarked message and the batch from there is retried after a backoff; later messages
    /// wait, other partitions go on.
    async fn consume(&mut self, ctx: &mut Context) -> anyhow::Result<()>;

    /// Runs on the route's periodic interval when no batch ran meanwhile, also when no message
    /// arrives (routes with `periodic`). `ctx` holds no messages; a tick may mark messages the
    /// consumer kept from earlier batches, pause, seek and produce as `consume` does. An error is
    /// reported and logged; nothing is retried.
    async fn tick(&mut self, _ctx: &mut Context) -> anyhow::Result<()> {
        Ok(())
    }

    /// Runs each time the partition was read to its end: after the batch that reached it, or
    /// at once when an assigned partition holds nothing new (routes with `eofed`). `ctx` holds
    /// no messages; it can mark, pause, seek and produce as in a tick. An error is reported and
    /// logged; nothing is retried.
    async fn eofed(&mut self, _ctx: &mut Context) -> anyhow::Result<()> {
        Ok(())
    }

    /// Runs once, after the instance is built and before its first batch.
    async fn initialized(&mut self, _partition: &TopicPartition) -> anyhow::Result<()> {
        Ok(())
    }

    /// Runs once the partition was taken away by a rebalance, after the in-flight batch ended.
    async fn revoked(&mut self, _partition: &TopicPartition) -> anyhow::Result<()> {
        Ok(())
    }

    /// Runs during a graceful shutdown, after the in-flight batch ended.
    async fn shutdown(&mut self, _partition: &TopicPartition) -> anyhow::Result<()> {
        Ok(())
    }
}
