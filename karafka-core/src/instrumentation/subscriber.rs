//! The log output of an app process.

use tracing_subscriber::EnvFilter;

/// Installs a `tracing` subscriber that prints to stderr, filtered by `RUST_LOG` (default
/// `info`). Does nothing when the app installed a subscriber of its own.
pub fn init_logging() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
