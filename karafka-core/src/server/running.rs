//! A started server, as the application that started it holds it: quiet it, read its status,
//! stop it and learn how the stop went.

use tokio::task::JoinHandle;

use super::health::Probes;
use super::signals::{self, SecondStop};
use super::{Beside, Shutdown};
use crate::plugin::{Control, ServerHandle, ServerStatus};
use crate::Error;

/// A server consuming in the background, from [`Server::start`](super::Server::start).
///
/// Dropping it asks the server to stop gracefully (as [`RunningServer::stop`] does, without
/// waiting); await [`RunningServer::stop`] to know the consumers committed and left their groups.
pub struct RunningServer {
    handle: ServerHandle,
    probes: Probes,
    /// The server's stop sequence; `None` once awaited.
    task: Option<JoinHandle<Result<Shutdown, Error>>>,
}

impl RunningServer {
    pub(super) fn new(
        handle: ServerHandle,
        probes: Probes,
        task: JoinHandle<Result<Shutdown, Error>>,
    ) -> Self {
        Self {
            handle,
            probes,
            task: Some(task),
        }
    }

    /// What runs beside the server sees of it.
    pub(super) fn beside(&self) -> Beside {
        Beside::new(self.control().clone(), self.probes.clone())
    }

    /// Commands the server (quiet, pause and resume a partition, stop) and reports its status.
    /// Clone it into the host application's handlers.
    pub fn control(&self) -> &Control {
        self.handle.control()
    }

    /// The server as its plugins see it: its control, settings, producer and routes.
    pub fn handle(&self) -> &ServerHandle {
        &self.handle
    }

    /// Makes the server quiet: running jobs finish and commit, no new batch starts, and the
    /// consumers stay in their groups holding their partitions until the server is stopped
    /// (see [`Control::quiet`]).
    pub fn quiet(&self) {
        self.control().quiet();
    }

    /// What the server is doing now.
    pub fn status(&self) -> ServerStatus {
        self.control().status()
    }

    /// Acts on the signals a process of [`Server::run`](super::Server::run) acts on, until the
    /// server stopped: SIGINT and SIGTERM stop it gracefully, SIGTSTP quiets it, SIGTTIN logs
    /// its running jobs. For a host application that leaves its signals to karafka; a second
    /// SIGINT or SIGTERM is only logged, as the process is the host's to end. The signals are
    /// listened for before this returns. As with any tokio signal listener, their default
    /// actions (ending or suspending the process) stay replaced after the server stopped.
    pub fn handle_signals(&self) {
        let handle = self.handle.clone();
        let signals = signals::operate(handle.clone(), SecondStop::Log);
        tokio::spawn(async move {
            tokio::select! {
                () = signals => {}
                () = handle.closed() => {}
            }
        });
    }

    /// Stops the server gracefully, as SIGTERM does: no new batches, running jobs get
    /// `shutdown_timeout` to finish, `shutdown` hooks run, offsets are committed and the
    /// consumers leave their groups. Returns how it went.
    ///
    /// # Errors
    /// As [`RunningServer::stopped`].
    pub async fn stop(self) -> Result<Shutdown, Error> {
        self.control().stop();
        self.stopped().await
    }

    /// Waits until the server stopped by other means (a [`Control::stop`] of a clone, a stop
    /// command of the web UI, a consumer that could not join its group) and returns how it went.
    ///
    /// # Errors
    /// [`Error::NotJoined`] when the server stopped because a consumer did not join its group
    /// within `join_timeout`; [`Error::Refused`] when the brokers refused a consumer at start
    /// (credentials, SASL mechanism, TLS); [`Error::Stopped`] when the server's task was lost (its runtime
    /// shut down).
    ///
    /// # Panics
    /// When the server's task panicked, with its panic.
    pub async fn stopped(mut self) -> Result<Shutdown, Error> {
        // Set by `new` and taken only here, which consumes `self`.
        let Some(task) = self.task.take() else {
            return Err(Error::Stopped);
        };
        match task.await {
            Ok(outcome) => outcome,
            Err(error) => match error.try_into_panic() {
                Ok(panic) => std::panic::resume_unwind(panic),
                Err(_) => Err(Error::Stopped),
            },
        }
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        if self.task.is_some() {
            self.control().stop();
        }
    }
}
