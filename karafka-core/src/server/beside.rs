//! What runs beside a server (a swarm node's reports to its supervisor) sees of it: its
//! liveness, and a way to stop it.

use super::health::Probes;
use crate::plugin::Control;

/// A running server, as [`Server::run_beside`](super::Server::run_beside) shows it to what runs
/// beside it. Cheap to clone.
#[derive(Clone)]
pub(crate) struct Beside {
    control: Control,
    probes: Probes,
}

impl Beside {
    pub(super) fn new(control: Control, probes: Probes) -> Self {
        Self { control, probes }
    }

    /// Why the server is not alive now, as `/health/live` would answer; empty when it is.
    pub(crate) fn liveness_failures(&self) -> Vec<String> {
        self.probes.live().into_reasons()
    }

    /// Stops the server gracefully, as SIGTERM does.
    pub(crate) fn stop(&self) {
        self.control.stop();
    }
}
