//! What receives the runtime's events.

use super::Event;

/// Receives every [`Event`] the runtime emits; attach it with
/// [`AppBuilder::listener`](crate::AppBuilder::listener). A closure `Fn(&Event)` is a listener
/// too.
///
/// ```
/// use std::sync::atomic::{AtomicU64, Ordering};
///
/// use karafka::instrumentation::{Event, Listener};
///
/// /// Counts the messages consumers handled.
/// #[derive(Default)]
/// struct Throughput(AtomicU64);
///
/// impl Listener for Throughput {
///     fn on_event(&self, event: &Event) {
///         if let Event::Consumed { batch, .. } = event {
///             self.0.fetch_add(batch.size as u64, Ordering::Relaxed);
///         }
///     }
/// }
/// ```
pub trait Listener: Send + Sync + 'static {
    /// Called on the emitting thread for each event; must not block.
    fn on_event(&self, event: &Event);
}

impl<F> Listener for F
where
    F: Fn(&Event) + Send + Sync + 'static,
{
    fn on_event(&self, event: &Event) {
        self(event);
    }
}
