//! Plugins: work that runs beside a server's consumers and hears its events, with a
//! [`Control`] to command the server. The web UI's reporter is one: it reports the process's
//! [`ServerStatus`] to Kafka and carries out the commands the UI sends.
//!
//! ```
//! use karafka::plugin::{Plugin, ServerHandle};
//!
//! struct Heartbeat;
//!
//! #[karafka::async_trait]
//! impl Plugin for Heartbeat {
//!     async fn run(&self, server: ServerHandle) {
//!         let mut ticks = tokio::time::interval(std::time::Duration::from_secs(10));
//!         loop {
//!             tokio::select! {
//!                 () = server.stopping() => break,
//!                 _ = ticks.tick() => {
//!                     let status = server.control().status();
//!                     println!("{} running job(s)", status.jobs.len());
//!                 }
//!             }
//!         }
//!     }
//! }
//!
//! let builder = karafka::App::builder().plugin(Heartbeat);
//! # let _ = builder;
//! ```

mod control;
mod handle;
mod status;

use std::sync::Arc;

pub(crate) use control::WatchedGroup;
pub use control::{Control, ControlError};
pub(crate) use handle::Lifecycle;
pub use handle::ServerHandle;
pub use status::{GroupStatus, PartitionStatus, ServerStatus};

use crate::config::Config;
use crate::instrumentation::Listener;
use crate::BoxError;

/// Runs beside a server's consumers; added with
/// [`AppBuilder::plugin`](crate::AppBuilder::plugin).
#[async_trait::async_trait]
pub trait Plugin: Send + Sync + 'static {
    /// A listener of the runtime's events, added after the app's own listeners.
    fn listener(&self) -> Option<Arc<dyn Listener>> {
        None
    }

    /// Prepares the plugin before any consumer starts (binding a port, say); an error fails the
    /// server's start with [`Error::Plugin`](crate::Error::Plugin), so a bad setting is found
    /// before anything is consumed.
    ///
    /// # Errors
    /// Whatever keeps the plugin from running, naming the setting at fault.
    async fn prepare(&self, config: &Config) -> Result<(), BoxError> {
        let _ = config;
        Ok(())
    }

    /// Runs from the moment every consumer started until it returns. The server waits for it
    /// after the consumers closed ([`ServerHandle::closed`]), for at most 5 s, before it flushes
    /// the producer and returns: a plugin should return soon after
    /// [`ServerHandle::stopping`].
    async fn run(&self, server: ServerHandle);
}
