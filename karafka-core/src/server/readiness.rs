//! Whether a server is connected: running, with every subscription group's consumer in its
//! consumer group and assigned its partitions. What a readiness probe asks.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::connection::Pulse;

/// A running server's connection state; cheap to clone, and live: it follows the consumers as
/// they join and leave their groups.
#[derive(Debug, Clone, Default)]
pub struct Readiness(Arc<Inner>);

#[derive(Debug, Default)]
struct Inner {
    running: AtomicBool,
    /// Each subscription group's name and its listener's pulse.
    groups: Mutex<Vec<(String, Arc<Pulse>)>>,
}

impl Readiness {
    fn groups(&self) -> MutexGuard<'_, Vec<(String, Arc<Pulse>)>> {
        // Only ever replaced whole: consistent even if a holder panicked.
        self.0.groups.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The server consumes: it runs, and every subscription group's consumer is a member of its
    /// consumer group and received its assignment (which may legitimately be empty: more
    /// members than partitions). `false` while brokers are unreachable or refuse the
    /// credentials, while a group forms, before the start and after the stop.
    pub fn is_ready(&self) -> bool {
        self.0.running.load(Ordering::Acquire) && self.not_ready().is_empty()
    }

    /// The subscription groups whose consumer is not in its consumer group now.
    pub fn not_joined(&self) -> Vec<String> {
        self.groups()
            .iter()
            .filter(|(_, pulse)| !pulse.joined())
            .map(|(name, _)| name.clone())
            .collect()
    }

    /// The subscription groups whose consumer is not in its group or awaits its assignment.
    pub fn not_ready(&self) -> Vec<String> {
        self.groups()
            .iter()
            .filter(|(_, pulse)| !pulse.assigned())
            .map(|(name, _)| name.clone())
            .collect()
    }

    /// Whether the server runs (started, no stop asked).
    pub(crate) fn is_running(&self) -> bool {
        self.0.running.load(Ordering::Acquire)
    }

    /// The server started these subscription groups' consumers (name, whether it is in its group).
    pub(crate) fn running(&self, groups: Vec<(String, Arc<Pulse>)>) {
        *self.groups() = groups;
        self.0.running.store(true, Ordering::Release);
    }

    /// The server is stopping.
    pub(crate) fn stopping(&self) {
        self.0.running.store(false, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;

    #[test]
    fn ready_only_while_running_with_every_group_joined_and_assigned() {
        let readiness = Readiness::default();
        assert!(!readiness.is_ready(), "not before the start");
        let now = Instant::now();
        let (a, b) = (Arc::new(Pulse::new(now)), Arc::new(Pulse::new(now)));
        a.set_joined(true, now);
        a.assignment_received();
        readiness.running(vec![
            ("a".into(), Arc::clone(&a)),
            ("b".into(), Arc::clone(&b)),
        ]);
        assert!(!readiness.is_ready());
        assert_eq!(readiness.not_joined(), vec!["b".to_owned()]);
        b.set_joined(true, now);
        assert!(!readiness.is_ready(), "b awaits its assignment");
        assert_eq!(readiness.not_ready(), vec!["b".to_owned()]);
        b.assignment_received();
        assert!(readiness.clone().is_ready(), "clones follow");
        readiness.stopping();
        assert!(!readiness.is_ready(), "not once stopping");
    }
}
