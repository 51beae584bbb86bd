//! Batches of one partition that run at once. Under virtual partitions the coordinator starts a
//! partition's next batch while the previous one still runs, so a virtual partition that is done
//! with its share goes on with the next batch instead of waiting for the slowest one. This is
//! what the coordinator and the virtual partitions share about it.

use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use tokio::sync::oneshot;

use super::runtime::MarkFilter;

/// The batches a coordinator started one after another without waiting for each to end.
#[derive(Debug, Default)]
pub(crate) struct Stretch {
    /// Once a batch failed: its last offset. Later batches of the stretch do not run (their
    /// messages of a key must not overtake the failed ones); they run again after the retry.
    halted_after: Mutex<Option<i64>>,
}

impl Stretch {
    /// A batch ending at `last` failed.
    pub(crate) fn halt(&self, last: i64) {
        let mut halted = self
            .halted_after
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        *halted = Some(halted.map_or(last, |after| after.max(last)));
    }

    /// Whether a batch starting at `first` may run: no earlier batch failed.
    pub(crate) fn runs(&self, first: i64) -> bool {
        self.halted_after
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_none_or(|after| first <= after)
    }

    /// Whether a batch of the stretch failed.
    pub(crate) fn is_halted(&self) -> bool {
        self.halted_after
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_some()
    }
}

/// Tells the coordinator that a batch's virtual partitions took it in, so the next batch, started
/// after, lines up behind it on every virtual partition; and whether a next batch may start.
/// Dropped unsent (the job ended first, or never reached virtual partitions), it lets the next
/// batch start.
#[derive(Debug)]
pub(crate) struct Admission(Mutex<Option<oneshot::Sender<bool>>>);

impl Admission {
    /// An admission, and what the coordinator waits on.
    pub(crate) fn new() -> (Arc<Self>, oneshot::Receiver<bool>) {
        let (sender, receiver) = oneshot::channel();
        (Arc::new(Self(Mutex::new(Some(sender)))), receiver)
    }

    /// The batch was taken in; `more` says whether another batch may start beside it (not while
    /// a failure is retried one message after another).
    pub(crate) fn admit(&self, more: bool) {
        let sender = self.0.lock().unwrap_or_else(PoisonError::into_inner).take();
        if let Some(sender) = sender {
            // The coordinator stopped waiting only when its assignment ended.
            let _ = sender.send(more);
        }
    }
}

/// A job's place in its stretch.
#[derive(Clone)]
pub(crate) struct Streamed {
    pub(crate) stretch: Arc<Stretch>,
    pub(crate) admission: Arc<Admission>,
    /// Where marks made outside the virtual partitions go (a dead letter's, a layer's): set by
    /// the virtual partitions once they took the batch in, so those marks also wait for the
    /// batches running beside it instead of reaching the partition directly.
    pub(crate) marks: Arc<OnceLock<Arc<dyn MarkFilter>>>,
}

impl Streamed {
    /// The job's place in `stretch`, reported through `admission`.
    pub(crate) fn new(stretch: Arc<Stretch>, admission: Arc<Admission>) -> Self {
        Self {
            stretch,
            admission,
            marks: Arc::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_after_a_failed_one_do_not_run() {
        let stretch = Stretch::default();
        assert!(stretch.runs(10) && !stretch.is_halted());
        stretch.halt(19);
        assert!(
            stretch.runs(10),
            "the failed batch itself runs (its retries)"
        );
        assert!(!stretch.runs(20));
        stretch.halt(15);
        assert!(!stretch.runs(20), "halted after the latest failed batch");
    }

    #[tokio::test]
    async fn an_admission_dropped_unsent_lets_the_next_batch_start() {
        let (admission, admitted) = Admission::new();
        admission.admit(false);
        admission.admit(true);
        assert_eq!(
            admitted.await.ok(),
            Some(false),
            "only the first admission counts"
        );
        let (admission, admitted) = Admission::new();
        drop(admission);
        assert!(admitted.await.is_err());
    }
}
