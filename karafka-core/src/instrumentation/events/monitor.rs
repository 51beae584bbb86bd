//! Hands events to the app's listeners.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use super::{Event, Listener};

/// The app's listeners, shared by every part of the runtime that emits.
#[derive(Clone, Default)]
pub(crate) struct Monitor {
    listeners: Arc<[Arc<dyn Listener>]>,
}

impl Monitor {
    pub(crate) fn new(listeners: Vec<Arc<dyn Listener>>) -> Self {
        Self {
            listeners: listeners.into(),
        }
    }

    /// Hands the event `make` builds to every listener; builds nothing when there is none. A
    /// listener that panics is logged; the others still get the event.
    pub(crate) fn emit(&self, make: impl FnOnce() -> Event) {
        if self.listeners.is_empty() {
            return;
        }
        let event = make();
        for listener in self.listeners.iter() {
            if catch_unwind(AssertUnwindSafe(|| listener.on_event(&event))).is_err() {
                tracing::error!(
                    event = event.name(),
                    "An instrumentation listener panicked on {}; the runtime goes on",
                    event.name()
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::instrumentation::AppState;

    #[test]
    fn without_listeners_no_event_is_built() {
        Monitor::default().emit(|| unreachable!("no listener asked for it"));
    }

    #[test]
    fn a_panicking_listener_does_not_keep_the_event_from_the_others() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let recorder = Arc::clone(&seen);
        let monitor = Monitor::new(vec![
            Arc::new(|_: &Event| panic!("a bug in a listener")),
            Arc::new(move |event: &Event| {
                recorder
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .push(event.name());
            }),
        ]);
        monitor.emit(|| Event::AppStateChanged {
            state: AppState::Running,
        });
        monitor.emit(|| Event::AppStateChanged {
            state: AppState::Stopped,
        });
        assert_eq!(
            *seen
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
            vec!["app.running", "app.stopped"]
        );
    }
}
