//! The consumer: counts what it consumed, for `GET /count`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use karafka::{async_trait, Consumer, Context};

/// How many messages were consumed, shared by every partition's consumer and the handlers.
#[derive(Clone, Default)]
pub struct Counter(Arc<AtomicU64>);

impl Counter {
    /// The messages consumed so far.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    /// A factory of consumers that count into this counter, one per partition.
    pub fn consumer(&self) -> impl Fn() -> Counting + Send + Sync + 'static {
        let counter = self.clone();
        move || Counting(counter.clone())
    }
}

/// Counts each batch once handled.
pub struct Counting(Counter);

#[async_trait]
impl Consumer for Counting {
    async fn consume(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        let handled = u64::try_from(ctx.messages().len())?;
        self.0 .0.fetch_add(handled, Ordering::Relaxed);
        Ok(())
    }
}
