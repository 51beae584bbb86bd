//! The rate guard: refuses a dispatch that would put too many of a partition's recent messages in
//! the dead-letter queue.

use std::collections::VecDeque;

/// The outcomes of a partition's last `window` messages: dispatched or handled.
#[derive(Debug, Clone)]
pub(crate) struct DispatchGuard {
    window: usize,
    max_dispatches: usize,
    recent: VecDeque<bool>,
}

impl DispatchGuard {
    /// At most `max_share` of any `window` consecutive messages may be dispatched.
    pub(crate) fn new(max_share: f64, window: usize) -> Self {
        let window = window.max(1);
        let share = max_share.clamp(0.0, 1.0);
        Self {
            window,
            max_dispatches: (share * window as f64).floor() as usize,
            recent: VecDeque::with_capacity(window),
        }
    }

    fn push(&mut self, dispatched: bool) {
        if self.recent.len() == self.window {
            self.recent.pop_front();
        }
        self.recent.push_back(dispatched);
    }

    /// `count` messages were handled.
    pub(crate) fn record_handled(&mut self, count: usize) {
        for _ in 0..count.min(self.window) {
            self.push(false);
        }
    }

    /// A message was dispatched.
    pub(crate) fn record_dispatched(&mut self) {
        self.push(true);
    }

    /// Dispatches among the last `window - 1` outcomes, which a new dispatch would join.
    pub(crate) fn recent_dispatches(&self) -> usize {
        let skip = usize::from(self.recent.len() == self.window);
        self.recent
            .iter()
            .skip(skip)
            .filter(|&&dispatched| dispatched)
            .count()
    }

    /// Whether one more dispatch keeps every window within the limit.
    pub(crate) fn allows_dispatch(&self) -> bool {
        self.recent_dispatches() < self.max_dispatches
    }

    pub(crate) fn window(&self) -> usize {
        self.window
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn no_window_ever_holds_more_dispatches_than_allowed(
            share in 0.0f64..=1.0,
            window in 1usize..20,
            failures in proptest::collection::vec(any::<bool>(), 0..300),
        ) {
            let mut guard = DispatchGuard::new(share, window);
            let mut outcomes = Vec::new();
            for failed in failures {
                if failed && guard.allows_dispatch() {
                    guard.record_dispatched();
                    outcomes.push(true);
                } else if !failed {
                    guard.record_handled(1);
                    outcomes.push(false);
                }
            }
            let limit = (share * window as f64).floor() as usize;
            for run in outcomes.windows(window.min(outcomes.len()).max(1)) {
                prop_assert!(run.iter().filter(|&&d| d).count() <= limit);
            }
        }
    }

    #[test]
    fn half_of_ten_allows_five_then_refuses_until_healthy_messages_dilute() {
        let mut guard = DispatchGuard::new(0.5, 10);
        for _ in 0..5 {
            assert!(guard.allows_dispatch());
            guard.record_dispatched();
        }
        assert!(!guard.allows_dispatch());
        guard.record_handled(5);
        assert!(
            guard.allows_dispatch(),
            "the oldest dispatch left the window"
        );
    }
}
