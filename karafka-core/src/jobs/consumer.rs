//! The built-in consumer of a jobs topic.

use std::sync::Arc;

use anyhow::Context as _;
use async_trait::async_trait;

use super::{JobContext, JobIndex, JobRegistry, Jobs};
use crate::middleware::NotRetryable;
use crate::{Consumer, Context};

/// Performs each job of a batch in offset order, marking each once it succeeded (Karafka's
/// ActiveJob consumer). A message that cannot be performed at all fails the batch as
/// [`NotRetryable`]; a job's own error fails it to be retried.
pub(crate) struct JobConsumer {
    registry: Arc<JobRegistry>,
    /// Every job type's topic, for the jobs a job enqueues.
    index: Arc<JobIndex>,
}

impl JobConsumer {
    pub(crate) fn new(registry: Arc<JobRegistry>, index: Arc<JobIndex>) -> Self {
        Self { registry, index }
    }
}

#[async_trait]
impl Consumer for JobConsumer {
    async fn consume(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        let ctx: &Context = ctx;
        let jobs = Jobs::new(Arc::clone(&self.index), ctx.producer().clone());
        for message in ctx.messages() {
            // The partition is someone else's now: its next owner performs the rest.
            if ctx.revoked() {
                return Ok(());
            }
            let (envelope, job) = self.registry.prepare(message).map_err(NotRetryable::new)?;
            let mut job_ctx = JobContext::new(ctx, message, &envelope, &jobs);
            job.run(&mut job_ctx).await.with_context(|| {
                format!(
                    "job `{}` ({}) on {}/{} at offset {}",
                    envelope.job_type(),
                    envelope.id(),
                    message.topic(),
                    message.partition(),
                    message.offset()
                )
            })?;
            ctx.mark_as_consumed(message);
        }
        Ok(())
    }
}
