//! A started server: what it holds while it consumes, and its graceful stop once asked.

use std::sync::Arc;
use std::time::Instant;

use tokio::task::JoinHandle;

use super::endpoint::Endpoint;
use super::{close, Readiness, Shutdown, MIN_CLOSE_TIME};
use crate::connection::{GiveUp, Listener, NotJoined, Reason, Refused};
use crate::instrumentation::{AppState, Event, Monitor};
use crate::plugin::ServerHandle;
use crate::processing::Scheduler;
use crate::producer::ClusterProducers;
use crate::Error;

/// Everything a started server runs, until [`Started::run`] stops it.
pub(super) struct Started {
    pub(super) handle: ServerHandle,
    pub(super) scheduler: Scheduler,
    pub(super) listeners: Vec<Listener>,
    pub(super) give_up: Arc<GiveUp>,
    pub(super) readiness: Readiness,
    pub(super) monitor: Monitor,
    pub(super) producers: ClusterProducers,
    pub(super) plugins: Vec<JoinHandle<()>>,
    pub(super) summary: JoinHandle<()>,
    pub(super) endpoint: Option<Endpoint>,
}

impl Started {
    /// Consumes until [`Control::stop`](crate::plugin::Control::stop) or a listener gives up,
    /// then stops gracefully: no new batches, in-flight jobs get `shutdown_timeout`, the
    /// consumers commit and leave their groups, the plugins return, the producers flush.
    pub(super) async fn run(self) -> Result<Shutdown, Error> {
        let mut critical = None;
        let gave_up = tokio::select! {
            () = self.handle.control().stop_token().cancelled() => None,
            reason = self.give_up.raised() => reason,
            failure = self.scheduler.critical() => {
                critical = failure;
                None
            }
        };
        self.handle.lifecycle().stopping.cancel();
        self.summary.abort();
        self.readiness.stopping();
        self.monitor.emit(|| Event::AppStateChanged {
            state: AppState::Stopping,
        });
        let config = self.handle.config();
        let stopping = Instant::now();
        tracing::info!(
            "Stopping: waiting up to {} ms for {} running job(s)",
            config.shutdown_timeout.as_millis(),
            self.scheduler.running().len()
        );
        let drained = self.scheduler.drain(config.shutdown_timeout).await;
        let still_running = if drained {
            Vec::new()
        } else {
            self.scheduler.running()
        };
        for job in &still_running {
            tracing::error!("Shutdown timeout passed; job still running: {job}");
        }
        let remaining = config
            .shutdown_timeout
            .saturating_sub(stopping.elapsed())
            .max(MIN_CLOSE_TIME);
        let closed = close(self.listeners, remaining).await;
        self.handle.lifecycle().closed.cancel();
        finish_plugins(self.plugins).await;
        for producer in self.producers.iter() {
            if let Err(error) = producer.flush(MIN_CLOSE_TIME).await {
                tracing::error!(%error, "undelivered records remain in the producer");
            }
        }
        let outcome = if drained && closed {
            Shutdown::Graceful
        } else {
            Shutdown::TimedOut { still_running }
        };
        tracing::info!(
            "Stopped in {} ms ({})",
            stopping.elapsed().as_millis(),
            outcome
        );
        self.monitor.emit(|| Event::AppStateChanged {
            state: AppState::Stopped,
        });
        if let Some(endpoint) = self.endpoint {
            endpoint.stop().await;
        }
        if let Some(failure) = critical {
            return Err(Error::Critical {
                consumer: failure.consumer,
                partition: failure.partition,
                offset: failure.offset,
                error: failure.error,
            });
        }
        match gave_up {
            Some(Reason::NotJoined(NotJoined {
                group,
                waited,
                servers,
            })) => Err(Error::NotJoined {
                group,
                waited,
                servers,
            }),
            Some(Reason::Refused(Refused {
                group,
                servers,
                refusal,
            })) => Err(Error::Refused {
                group,
                servers,
                refusal,
            }),
            None => Ok(outcome),
        }
    }
}

/// Waits up to [`MIN_CLOSE_TIME`] for the plugins to return; aborts those that do not.
async fn finish_plugins(plugins: Vec<JoinHandle<()>>) {
    let deadline = tokio::time::Instant::now() + MIN_CLOSE_TIME;
    for mut plugin in plugins {
        match tokio::time::timeout_at(deadline, &mut plugin).await {
            Ok(Ok(())) => {}
            Ok(Err(error)) => tracing::error!(%error, "a plugin panicked"),
            Err(_) => {
                tracing::warn!(
                    "a plugin did not return within {} ms of the consumers closing; stopped it",
                    MIN_CLOSE_TIME.as_millis()
                );
                plugin.abort();
            }
        }
    }
}
