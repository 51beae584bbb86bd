//! How a listener that cannot go on tells the server to stop.

use std::sync::OnceLock;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::config::Refusal;

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

/// The brokers refused a subscription group's consumer at start (credentials, SASL mechanism,
/// TLS handshake), which retrying cannot cure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refused {
    /// The subscription group.
    pub(crate) group: String,
    /// The `bootstrap.servers` it tried.
    pub(crate) servers: String,
    /// What the brokers refused.
    pub(crate) refusal: Refusal,
}

/// Why a listener gave up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Reason {
    /// Not in its group within `join_timeout`.
    NotJoined(NotJoined),
    /// Refused by the brokers.
    Refused(Refused),
}

/// Shared by a server's listeners: the first that gives up says why, and the server stops.
#[derive(Debug, Default)]
pub(crate) struct GiveUp {
    raised: CancellationToken,
    reason: OnceLock<Reason>,
}

impl GiveUp {
    /// Asks the server to stop because of `reason` (the first reason counts).
    pub(crate) fn raise(&self, reason: Reason) {
        let _ = self.reason.set(reason);
        self.raised.cancel();
    }

    /// Completes once a listener gave up, with its reason.
    pub(crate) async fn raised(&self) -> Option<Reason> {
        self.raised.cancelled().await;
        self.reason.get().cloned()
    }
}
