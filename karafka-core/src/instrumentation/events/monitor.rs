//! Hands events to the app's listeners.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use super::{ErrorKind, Event, Listener};

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
    /// listener that panics is logged and reported to the others as an
    /// [`ErrorKind::Listener`] error; the others still get the event.
    pub(crate) fn emit(&self, make: impl FnOnce() -> Event) {
        if self.listeners.is_empty() {
            return;
        }
        let event = make();
        for (index, listener) in self.listeners.iter().enumerate() {
            if deliver(listener.as_ref(), &event) {
                continue;
            }
            tracing::error!(
                event = event.name(),
                "An instrumentation listener panicked on {}; the runtime goes on",
                event.name()
            );
            let report = Event::ErrorOccurred {
                kind: ErrorKind::Listener,
                partition: None,
                offset: None,
                error: format!("an instrumentation listener panicked on {}", event.name()),
            };
            // Not to the listener that panicked, and without reporting panics on the report:
            // a listener that panics on everything cannot loop.
            for (other, listener) in self.listeners.iter().enumerate() {
                if other != index {
                    deliver(listener.as_ref(), &report);
                }
            }
        }
    }
}

/// Hands `event` to `listener`; `false` when it panicked.
fn deliver(listener: &dyn Listener, event: &Event) -> bool {
    catch_unwind(AssertUnwindSafe(|| listener.on_event(event))).is_ok()
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
    fn a_panicking_listener_is_reported_to_the_others_which_still_get_the_event() {
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
            vec![
                "app.running",
                "error.occurred",
                "app.stopped",
                "error.occurred"
            ]
        );
    }
}
