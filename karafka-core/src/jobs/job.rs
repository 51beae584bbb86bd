//! What a job is: arguments that serialize, a name, an optional ordering key, and `perform`.

use async_trait::async_trait;
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::JobContext;
use crate::type_name::short_type_name;

/// A background job: its fields are its arguments, serialized as JSON into the job's
/// [`Envelope`](super::Envelope) when enqueued and deserialized before it is performed.
///
/// ```
/// use karafka::jobs::{Job, JobContext};
/// use karafka::async_trait;
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Serialize, Deserialize)]
/// struct ResizeImage {
///     image_id: u64,
///     width: u32,
/// }
///
/// #[async_trait]
/// impl Job for ResizeImage {
///     // Kept when the type is renamed, so envelopes already enqueued still find it.
///     fn name() -> &'static str {
///         "ResizeImage"
///     }
///
///     // Jobs of one image run in the order they were enqueued.
///     fn key(&self) -> Option<String> {
///         Some(self.image_id.to_string())
///     }
///
///     async fn perform(&self, ctx: &mut JobContext<'_>) -> anyhow::Result<()> {
///         tracing::info!(self.image_id, self.width, attempt = ctx.attempt(), "resizing");
///         Ok(())
///     }
/// }
/// ```
#[async_trait]
pub trait Job: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// The name the envelope carries and the consumer looks the type up by. It must stay the
    /// same as long as envelopes of the type may be waiting in Kafka. By default the type's own
    /// name without its module path (`SendEmail` for `my_app::jobs::SendEmail`), which moving
    /// the type between modules keeps; override it to rename the type, or when two job types
    /// of one topic share a name.
    fn name() -> &'static str {
        short_type_name::<Self>()
    }

    /// The ordering key (Karafka Pro's ordered jobs): jobs with one key are performed in the
    /// order they were enqueued. It becomes the record's Kafka key, so they land in one
    /// partition; with `virtual_partitions: VirtualPartitions::by_key()` on the route, jobs of
    /// different keys run in parallel and each key keeps its order. `None` (the default): no
    /// key, the producer spreads the jobs over the partitions.
    fn key(&self) -> Option<String> {
        None
    }

    /// Does the work. On `Err` (or a panic) the job is retried with the route's backoff, and
    /// after the dead-letter queue's retries (if the route has one) dead-lettered; jobs after it
    /// in its partition wait meanwhile.
    async fn perform(&self, ctx: &mut JobContext<'_>) -> anyhow::Result<()>;
}

/// A deserialized job of any type, ready to run.
#[async_trait]
pub(crate) trait Performable: Send + Sync {
    async fn run(&self, ctx: &mut JobContext<'_>) -> anyhow::Result<()>;
}

#[async_trait]
impl<J: Job> Performable for J {
    async fn run(&self, ctx: &mut JobContext<'_>) -> anyhow::Result<()> {
        self.perform(ctx).await
    }
}
