//! A consumer that handles every batch by doing nothing.

use async_trait::async_trait;

use crate::{Consumer, Context};

/// Does nothing with its batches (they are marked as consumed): for routes that are only shown
/// or planned (tools, demos) and for tests.
#[derive(Debug, Default)]
pub struct Noop;

#[async_trait]
impl Consumer for Noop {
    async fn consume(&mut self, _: &mut Context) -> anyhow::Result<()> {
        Ok(())
    }
}
