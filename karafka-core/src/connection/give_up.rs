//! How a listener that cannot go on tells the server to stop.

use std::sync::OnceLock;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

/// A subscription group's consumer did not join its group in time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NotJoined {
    /// The subscription group.
    pub(crate) group: String,
    /// How long it waited.
    pub(crate) waited: Duration,
    /// The `bootstrap.servers` it tried.
    pub(crate) servers: String,
}

/// Shared by a server's listeners: the first that gives up says why, and the server stops.
#[derive(Debug, Default)]
pub(crate) struct GiveUp {
    raised: CancellationToken,
    reason: OnceLock<NotJoined>,
}

impl GiveUp {
    /// Asks the server to stop because of `reason` (the first reason counts).
    pub(crate) fn raise(&self, reason: NotJoined) {
        let _ = self.reason.set(reason);
        self.raised.cancel();
    }

    /// Completes once a listener gave up, with its reason.
    pub(crate) async fn raised(&self) -> Option<NotJoined> {
        self.raised.cancelled().await;
        self.reason.get().cloned()
    }
}
