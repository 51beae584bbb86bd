//! Enqueueing jobs from app code: each to the topic its route gives its type.

use std::sync::Arc;
use std::time::SystemTime;

use super::envelope::Envelope;
use super::id::new_id;
use super::{EnqueueError, Job, JobIndex};
use crate::producer::{Delivery, ProduceError, Producer, Record, ScheduleId};

/// Enqueues jobs with the app's producer, each to the topic of its type's jobs route; from
/// [`App::jobs`](crate::App::jobs) (or a test runtime's `jobs`, which writes in memory).
///
/// ```no_run
/// # use karafka::jobs::{Job, JobContext};
/// # #[derive(serde::Serialize, serde::Deserialize)] struct SendEmail { to: String }
/// # #[karafka::async_trait] impl Job for SendEmail {
/// #     async fn perform(&self, _: &mut JobContext<'_>) -> anyhow::Result<()> { Ok(()) }
/// # }
/// # async fn signup(app: &karafka::App) -> anyhow::Result<()> {
/// let enqueued = app.jobs().enqueue(&SendEmail { to: "ada@example.com".into() }).await?;
/// tracing::info!(id = %enqueued.id, "welcome mail enqueued");
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Jobs {
    index: Arc<JobIndex>,
    producer: Producer,
}

/// A job written to its topic.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Enqueued {
    /// The job's id (in its envelope).
    pub id: String,
    /// Where it was written.
    pub delivery: Delivery,
}

impl Jobs {
    pub(crate) fn new(index: Arc<JobIndex>, producer: Producer) -> Self {
        Self { index, producer }
    }

    /// The topic jobs of type `J` are enqueued to, if a route registers it.
    pub fn topic_of<J: Job>(&self) -> Option<&str> {
        self.index.topic_of(J::name())
    }

    /// The job's id and the record that enqueues it (its envelope, to its topic, keyed by
    /// [`Job::key`]), to produce it another way, e.g. in a transaction.
    ///
    /// # Errors
    /// [`EnqueueError::NotRouted`] when no route registers `J`, [`EnqueueError::Encode`] when
    /// its fields do not serialize.
    pub fn record<J: Job>(&self, job: &J) -> Result<(String, Record), EnqueueError> {
        let Some(topic) = self.index.topic_of(J::name()) else {
            return Err(EnqueueError::NotRouted {
                job: J::name().to_owned(),
            });
        };
        let now = SystemTime::now();
        let envelope =
            Envelope::of(job, new_id(now), now).map_err(|error| EnqueueError::Encode {
                job: J::name().to_owned(),
                error,
            })?;
        let mut record = Record::new(topic, envelope.encode());
        if let Some(key) = job.key() {
            record = record.key(key);
        }
        Ok((envelope.id().to_owned(), record))
    }

    /// Produces `job` to its topic and waits for the broker's acknowledgement.
    ///
    /// # Errors
    /// As [`Jobs::record`]; [`EnqueueError::Produce`] when the write failed.
    pub async fn enqueue<J: Job>(&self, job: &J) -> Result<Enqueued, EnqueueError> {
        let (id, record) = self.record(job)?;
        let delivery = self
            .producer
            .produce_sync(record)
            .await
            .map_err(produce_failed::<J>)?;
        Ok(Enqueued { id, delivery })
    }

    /// Produces every job (Karafka's `perform_all_later`), in order, and waits for every
    /// acknowledgement: jobs with one key keep the order given.
    ///
    /// # Errors
    /// As [`Jobs::enqueue`], for the first job that failed; nothing is produced when one does
    /// not encode, and jobs enqueued before a failed write are still delivered.
    pub async fn enqueue_many<'a, J: Job>(
        &self,
        jobs: impl IntoIterator<Item = &'a J>,
    ) -> Result<Vec<Enqueued>, EnqueueError> {
        let (ids, records): (Vec<String>, Vec<Record>) = jobs
            .into_iter()
            .map(|job| self.record(job))
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .unzip();
        let deliveries = self
            .producer
            .produce_many_sync(records)
            .await
            .map_err(produce_failed::<J>)?;
        Ok(ids
            .into_iter()
            .zip(deliveries)
            .map(|(id, delivery)| Enqueued { id, delivery })
            .collect())
    }

    /// Enqueues `job` to be performed at `at` (Karafka's `perform_later(wait_until:)`): its
    /// record goes to the app's scheduled messages, which dispatch it to the job's topic at
    /// that time (see [`Producer::schedule`]). Cancel it before then with
    /// `producer.cancel(&scheduled.schedule)`.
    ///
    /// # Errors
    /// [`EnqueueError::NotRouted`] and [`EnqueueError::Encode`] as [`Jobs::enqueue`];
    /// [`EnqueueError::Schedule`] when no `scheduled_messages` route exists, `at` is too far in
    /// the past or the future, or the write failed.
    pub async fn enqueue_at<J: Job>(
        &self,
        job: &J,
        at: SystemTime,
    ) -> Result<ScheduledJob, EnqueueError> {
        let (id, record) = self.record(job)?;
        let schedule =
            self.producer
                .schedule(record, at)
                .await
                .map_err(|error| EnqueueError::Schedule {
                    job: J::name().to_owned(),
                    error: Box::new(error),
                })?;
        Ok(ScheduledJob { id, schedule })
    }
}

/// A job enqueued for later by [`Jobs::enqueue_at`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ScheduledJob {
    /// The job's id (in its envelope).
    pub id: String,
    /// The scheduled message that will enqueue it, to cancel it.
    pub schedule: ScheduleId,
}

/// The error of a failed write of a job of type `J`.
fn produce_failed<J: Job>(error: ProduceError) -> EnqueueError {
    EnqueueError::Produce {
        job: J::name().to_owned(),
        error: Box::new(error),
    }
}
