//! What a job sees while it is performed.

use std::time::SystemTime;

use super::{Envelope, Jobs};
use crate::{Context, Message};

/// The job being performed: its envelope, the Kafka message that carried it, the consume job's
/// [`Context`] (the producer, whether the partition was revoked, ...), and the app's [`Jobs`] to
/// enqueue follow-up jobs.
pub struct JobContext<'a> {
    context: &'a Context,
    message: &'a Message,
    envelope: &'a Envelope,
    jobs: &'a Jobs,
}

impl<'a> JobContext<'a> {
    pub(crate) fn new(
        context: &'a Context,
        message: &'a Message,
        envelope: &'a Envelope,
        jobs: &'a Jobs,
    ) -> Self {
        Self {
            context,
            message,
            envelope,
            jobs,
        }
    }

    /// Enqueues further jobs (of any routed type), with the app's producer.
    pub fn jobs(&self) -> &'a Jobs {
        self.jobs
    }

    /// The job's id, given when it was enqueued.
    pub fn id(&self) -> &str {
        self.envelope.id()
    }

    /// When the job was enqueued.
    pub fn enqueued_at(&self) -> SystemTime {
        self.envelope.enqueued_at()
    }

    /// How many times this job was run, counting this run: 1 the first time, 2 on its first
    /// retry.
    pub fn attempt(&self) -> u32 {
        self.context.attempt()
    }

    /// The envelope the job came in.
    pub fn envelope(&self) -> &Envelope {
        self.envelope
    }

    /// The Kafka message that carried the job.
    pub fn message(&self) -> &Message {
        self.message
    }

    /// The consume job running it: the app's producer, whether the partition was revoked (a
    /// long job should stop early then), its insights.
    pub fn context(&self) -> &Context {
        self.context
    }
}
