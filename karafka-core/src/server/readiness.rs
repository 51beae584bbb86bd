//! Whether a server is connected: running, with every subscription group's consumer in its
//! consumer group. What a readiness probe asks.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// A running server's connection state; cheap to clone, and live: it follows the consumers as
/// they join and leave their groups.
#[derive(Debug, Clone, Default)]
pub struct Readiness(Arc<Inner>);

#[derive(Debug, Default)]
struct Inner {
    running: AtomicBool,
    /// Each subscription group's name and whether its consumer is in its group now.
    groups: Mutex<Vec<(String, Arc<AtomicBool>)>>,
}

impl Readiness {
    fn groups(&self) -> MutexGuard<'_, Vec<(String, Arc<AtomicBool>)>> {
        // Only ever replaced whole: consistent even if a holder panicked.
        self.0.groups.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The server consumes: it runs, and every subscription group's consumer is a member of its
    /// consumer group (so it can be assigned partitions). `false` while brokers are unreachable
    /// or refuse the credentials, before the start and after the stop.
    pub fn is_ready(&self) -> bool {
        self.0.running.load(Ordering::Acquire) && self.not_joined().is_empty()
    }

    /// The subscription groups whose consumer is not in its consumer group now.
    pub fn not_joined(&self) -> Vec<String> {
        self.groups()
            .iter()
            .filter(|(_, joined)| !joined.load(Ordering::Acquire))
            .map(|(name, _)| name.clone())
            .collect()
    }

    /// The server started these subscription groups' consumers (name, whether it is in its group).
    pub(crate) fn running(&self, groups: Vec<(String, Arc<AtomicBool>)>) {
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
    use super::*;

    #[test]
    fn ready_only_while_running_with_every_group_joined() {
        let readiness = Readiness::default();
        assert!(!readiness.is_ready(), "not before the start");
        let (a, b) = (
            Arc::new(AtomicBool::new(true)),
            Arc::new(AtomicBool::new(false)),
        );
        readiness.running(vec![
            ("a".into(), Arc::clone(&a)),
            ("b".into(), Arc::clone(&b)),
        ]);
        assert!(!readiness.is_ready());
        assert_eq!(readiness.not_joined(), vec!["b".to_owned()]);
        b.store(true, Ordering::Release);
        assert!(readiness.clone().is_ready(), "clones follow");
        readiness.stopping();
        assert!(!readiness.is_ready(), "not once stopping");
    }
}
