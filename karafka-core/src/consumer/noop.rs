//! A consumer that handles every batch by doing nothing, for the crate's unit tests of routing
//! and the command line.

use async_trait::async_trait;

use crate::{Consumer, Context};

/// Does nothing with its batches.
#[derive(Debug, Default)]
pub(crate) struct Noop;

#[async_trait]
impl Consumer for Noop {
    async fn consume(&mut self, _: &mut Context) -> anyhow::Result<()> {
        Ok(())
    }
}
