//! What consume jobs handled since it was last read, for the server's periodic summary.

use std::sync::atomic::{AtomicU64, Ordering};

/// Counts of jobs and their messages, shared by every coordinator of a server.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    messages: AtomicU64,
    batches: AtomicU64,
    failed: AtomicU64,
}

/// The counts taken from a [`Tally`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Counts {
    /// Messages of every job that ran, failed ones included.
    pub(crate) messages: u64,
    /// Jobs that ran.
    pub(crate) batches: u64,
    /// Jobs that returned an error (and are retried).
    pub(crate) failed: u64,
}

impl Tally {
    /// A job of `messages` messages ended, successfully or not.
    pub(crate) fn batch(&self, messages: usize, succeeded: bool) {
        self.messages.fetch_add(messages as u64, Ordering::Relaxed);
        self.batches.fetch_add(1, Ordering::Relaxed);
        if !succeeded {
            self.failed.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The counts since the last call, starting anew.
    pub(crate) fn take(&self) -> Counts {
        Counts {
            messages: self.messages.swap(0, Ordering::Relaxed),
            batches: self.batches.swap(0, Ordering::Relaxed),
            failed: self.failed.swap(0, Ordering::Relaxed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_taken_once() {
        let tally = Tally::default();
        tally.batch(10, true);
        tally.batch(3, false);
        assert_eq!(
            tally.take(),
            Counts {
                messages: 13,
                batches: 2,
                failed: 1
            }
        );
        assert_eq!(tally.take(), Counts::default());
    }
}
