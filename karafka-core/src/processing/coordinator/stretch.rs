//! Streaming virtual partitions: a stretch of batches that run side by side. While a batch runs,
//! the next one the partition holds ready is handed to the stack as soon as the previous one lined
//! up on its virtual partitions, so a virtual partition done with its share goes on with the next
//! batch instead of waiting for the slowest one. Each batch is a job of its own (events, marks,
//! the dead-letter queue); the stretch ends when nothing more is ready, or stops taking batches
//! when one fails, the partition is held, asked to move, or stops.

use std::sync::Arc;

use futures_util::stream::{FuturesUnordered, StreamExt as _};
use tokio::sync::oneshot;

use super::{Coordinator, Failure, Job};
use crate::consumer::{Admission, PartitionHandle as _, Streamed, Stretch};
use crate::messages::Messages;
use crate::middleware::{ConsumerStack, Deferred};
use crate::processing::scheduler::JobGuard;
use crate::processing::PartitionSource;
use crate::BoxError;

/// How many batches of a partition run side by side: the next one lines up behind the running
/// one, enough for no virtual partition to wait for a batch's slowest share, while what is taken
/// out of librdkafka stays within two batches.
const BATCHES_IN_FLIGHT: usize = 2;

/// A batch of the stretch that ended.
struct Ended {
    /// Its place in the stretch.
    index: usize,
    job: Job,
    result: Result<(), BoxError>,
    restarted: bool,
}

impl<S: PartitionSource> Coordinator<S> {
    /// Runs `first` (recorded as running by `tracked`), and beside it the partition's next
    /// batches as they are ready, each recorded as running while it runs. On failure, the
    /// returned job joins every batch from the first failed one on: the retry covers them all,
    /// since the later ones may have run in part (or not at all).
    pub(super) async fn stretch(
        &self,
        stack: &mut ConsumerStack,
        first: Job,
        tracked: JobGuard,
    ) -> Result<(), Failure> {
        let stretch = Arc::new(Stretch::default());
        let mut running = FuturesUnordered::new();
        let mut ended: Vec<Ended> = Vec::new();
        let mut admission: Option<oneshot::Receiver<bool>> = None;
        let mut next = Some((first, tracked));
        let mut taking = true;
        for index in 0.. {
            if let Some((job, tracked)) = next.take() {
                let (slot, admitted) = Admission::new();
                let streamed = Streamed::new(Arc::clone(&stretch), slot);
                let call = self.call(stack, &job, Some(streamed)).await;
                admission = Some(admitted);
                running.push(async move {
                    let (result, restarted) = self.execute(&job, call).await;
                    drop(tracked);
                    Ended {
                        index,
                        job,
                        result,
                        restarted,
                    }
                });
            }
            // Until the last batch handed in lined up (so the next one lines up behind it), or
            // a batch ends.
            while next.is_none() {
                tokio::select! {
                    admitted = async {
                        match admission.as_mut() {
                            Some(admission) => admission.await,
                            None => std::future::pending().await,
                        }
                    }, if admission.is_some() => {
                        admission = None;
                        // Unsent: the job ended before it reached the virtual partitions.
                        taking &= admitted.unwrap_or(true);
                    }
                    Some(done) = running.next() => {
                        // Every batch's marks are stored as it ends, not only the stretch's.
                        self.assignment.store();
                        taking &= done.result.is_ok();
                        ended.push(done);
                    }
                    else => break,
                }
                if admission.is_none() && running.len() < BATCHES_IN_FLIGHT && taking {
                    taking = self.takes_more(&stretch);
                    // Nothing ready now: looked at again when a batch ends.
                    next = if taking { self.take_next() } else { None };
                    if next.is_none() && running.is_empty() {
                        break;
                    }
                }
            }
            if next.is_none() {
                break;
            }
        }
        outcome(ended)
    }

    /// The partition's next batch, if one is ready, recorded as running.
    fn take_next(&self) -> Option<(Job, JobGuard)> {
        let messages = self.assignment.source().available(self.route.max_messages);
        let job = Job {
            messages: Messages::new(messages),
            attempt: 1,
        };
        let first = job.messages.first_offset()?;
        match self
            .scheduler
            .track(self.running_job(&job), &self.assignment)
        {
            Some(tracked) => Some((job, tracked)),
            None => {
                // Quiet came meanwhile: the batch is read again once it is lifted, and the
                // stretch takes nothing more (`takes_more` sees the quiet).
                if let Err(error) = self.assignment.source().seek(first) {
                    tracing::error!(partition = %self.partition, offset = first, %error, "seek failed");
                }
                None
            }
        }
    }

    /// Whether the stretch takes another batch: none failed, and nothing holds, moves or stops
    /// the partition.
    fn takes_more(&self, stretch: &Stretch) -> bool {
        !stretch.is_halted()
            && !self.assignment.stop_token().is_cancelled()
            && !self.assignment.is_revoked()
            && !self.assignment.has_request()
            && !self.is_held()
    }
}

/// The stretch as one job: on failure, every batch from the first failed one on, joined, with
/// the first real failure (a batch that did not run is not one) and its attempt.
fn outcome(mut ended: Vec<Ended>) -> Result<(), Failure> {
    ended.sort_by_key(|batch| batch.index);
    let Some(failed) = ended.iter().position(|batch| batch.result.is_err()) else {
        return Ok(());
    };
    let mut rest = ended.split_off(failed);
    let messages: Vec<_> = rest
        .iter()
        .flat_map(|batch| batch.job.messages.iter().cloned())
        .collect();
    let real = rest.iter().position(|batch| {
        batch
            .result
            .as_ref()
            .is_err_and(|error| !Deferred::caused(error))
    });
    // `failed` points at a batch whose result is an error, so `rest` is not empty.
    let Ended {
        job,
        result,
        restarted,
        ..
    } = rest.swap_remove(real.unwrap_or(0));
    result.map_err(|error| Failure {
        job: Job {
            messages: Messages::new(messages),
            attempt: job.attempt,
        },
        error,
        restarted,
    })
}
