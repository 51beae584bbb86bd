//! When a partition's consumers tick: the route's periodic interval after the last batch or
//! tick, and only in the idle states the route allows.

use std::sync::{Mutex, PoisonError};

use tokio::time::Instant;

use crate::routing::Periodic;

/// Why a partition is idle, which decides whether it may tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Idle {
    /// Waiting for messages.
    Waiting,
    /// Paused by its consumer, a filter or a command.
    Paused,
    /// A failed batch waits for its retry.
    Retrying,
}

/// The tick schedule of one assignment.
pub(crate) struct Ticks {
    periodic: Option<Periodic>,
    long_running_job: bool,
    next: Mutex<Instant>,
}

impl Ticks {
    /// The schedule of a route's `periodic` setting (none without it); the first tick is due an
    /// interval after the assignment.
    pub(crate) fn new(periodic: Option<Periodic>, long_running_job: bool) -> Self {
        let next = Instant::now() + periodic.map(|p| p.interval).unwrap_or_default();
        Self {
            periodic,
            long_running_job,
            next: Mutex::new(next),
        }
    }

    /// A batch or a tick ended: the next tick is an interval away.
    pub(crate) fn reset(&self) {
        if let Some(periodic) = &self.periodic {
            // A plain instant, replaced whole: consistent even if a holder panicked.
            *self.next.lock().unwrap_or_else(PoisonError::into_inner) =
                Instant::now() + periodic.interval;
        }
    }

    /// Whether the route ticks while idle for this reason.
    pub(crate) fn allowed(&self, idle: Idle) -> bool {
        self.periodic.is_some_and(|periodic| match idle {
            Idle::Waiting => true,
            Idle::Paused => periodic.ticks_during_pause(self.long_running_job),
            Idle::Retrying => periodic.during_retry,
        })
    }

    /// Resolves when a tick is due while idle for this reason; never when the route does not
    /// tick then.
    pub(crate) async fn due(&self, idle: Idle) {
        if !self.allowed(idle) {
            return std::future::pending().await;
        }
        let next = *self.next.lock().unwrap_or_else(PoisonError::into_inner);
        tokio::time::sleep_until(next).await;
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use proptest::prelude::*;

    use super::*;

    fn periodic(during_pause: Option<bool>, during_retry: bool) -> Periodic {
        let periodic = Periodic::new().during_retry(during_retry);
        match during_pause {
            Some(during_pause) => periodic.during_pause(during_pause),
            None => periodic,
        }
    }

    proptest! {
        #[test]
        fn ticks_follow_the_routes_choices(
            during_pause in proptest::option::of(any::<bool>()),
            during_retry in any::<bool>(),
            long_running in any::<bool>(),
        ) {
            let ticks = Ticks::new(Some(periodic(during_pause, during_retry)), long_running);
            prop_assert!(ticks.allowed(Idle::Waiting));
            prop_assert_eq!(ticks.allowed(Idle::Paused), during_pause.unwrap_or(!long_running));
            prop_assert_eq!(ticks.allowed(Idle::Retrying), during_retry);
            let never = Ticks::new(None, long_running);
            for idle in [Idle::Waiting, Idle::Paused, Idle::Retrying] {
                prop_assert!(!never.allowed(idle));
            }
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_tick_is_due_an_interval_after_the_last_batch_or_tick() {
        let interval = Duration::from_millis(100);
        let ticks = Ticks::new(Some(Periodic::new().interval(interval)), false);
        let start = Instant::now();
        ticks.due(Idle::Waiting).await;
        assert_eq!(start.elapsed(), interval);
        tokio::time::sleep(Duration::from_millis(30)).await;
        ticks.reset();
        let reset = Instant::now();
        ticks.due(Idle::Waiting).await;
        assert_eq!(reset.elapsed(), interval);
    }
}
