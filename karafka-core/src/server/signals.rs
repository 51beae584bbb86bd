//! Waiting for the signals that stop a server.

use tokio::signal::unix::{signal, SignalKind};

/// Completes on SIGINT or SIGTERM.
pub(crate) async fn terminated() {
    let name = match signal(SignalKind::terminate()) {
        Ok(mut sigterm) => tokio::select! {
            _ = tokio::signal::ctrl_c() => "SIGINT",
            _ = sigterm.recv() => "SIGTERM",
        },
        Err(error) => {
            tracing::warn!(%error, "cannot listen for SIGTERM; stopping on SIGINT only");
            let _ = tokio::signal::ctrl_c().await;
            "SIGINT"
        }
    };
    tracing::info!("Received {name}");
}
