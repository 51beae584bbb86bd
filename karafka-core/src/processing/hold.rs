//! A pause that lasts until lifted: a command's pause of one partition, or quiet for a whole
//! process. Coordinators check it between jobs, so a running job always finishes first.

use std::sync::Arc;

use tokio::sync::watch;

/// Set or lifted from anywhere; coordinators wait on it.
#[derive(Debug, Clone)]
pub(crate) struct Hold(Arc<watch::Sender<bool>>);

impl Default for Hold {
    fn default() -> Self {
        Self(Arc::new(watch::Sender::new(false)))
    }
}

impl Hold {
    /// Sets (`true`) or lifts (`false`) the hold; `true` when that changed it.
    pub(crate) fn set(&self, held: bool) -> bool {
        self.0.send_if_modified(|current| {
            let changed = *current != held;
            *current = held;
            changed
        })
    }

    pub(crate) fn is_set(&self) -> bool {
        *self.0.borrow()
    }

    /// Resolves once the hold is lifted (at once when it is not set).
    pub(crate) async fn lifted(&self) {
        let mut receiver = self.0.subscribe();
        // The sender lives in `self`, so the channel cannot close while this waits.
        let _ = receiver.wait_for(|held| !held).await;
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn lifting_wakes_the_waiter_and_setting_twice_changes_once() {
        let hold = Hold::default();
        assert!(hold.set(true));
        assert!(!hold.set(true));
        assert!(hold.is_set());
        let waiter = tokio::spawn({
            let hold = hold.clone();
            async move { hold.lifted().await }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!waiter.is_finished(), "waits while held");
        assert!(hold.set(false));
        tokio::time::timeout(Duration::from_secs(5), waiter)
            .await
            .expect("the waiter wakes within 5 s of the lift")
            .expect("the waiter does not panic");
    }
}
