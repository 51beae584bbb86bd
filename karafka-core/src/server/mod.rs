//! The server: starts a listener per subscription group, runs until SIGINT/SIGTERM, then shuts
//! down gracefully within `shutdown_timeout`.

mod endpoint;
mod health;
mod readiness;
mod selection;
mod shutdown;
mod signals;
mod summary;

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::runtime::Handle;

pub use readiness::Readiness;
pub use selection::Selection;
pub use shutdown::Shutdown;

use crate::app::App;
use crate::config::{consumer_config, Config};
use crate::connection::{GiveUp, GroupTimeouts, KafkaConsumer, Listener, NotJoined};
use crate::instrumentation::{AppState, Event};
use crate::plugin::{Control, Lifecycle, ServerHandle, WatchedGroup};
use crate::processing::{PartitionRegistry, Scheduler};
use crate::routing::{RoutingError, Subscription};
use crate::Error;
use endpoint::Bound;
use health::Probes;

/// Closing the consumers (final commit, leaving the group) gets at least this long, even when
/// jobs used up the shutdown timeout.
const MIN_CLOSE_TIME: Duration = Duration::from_secs(5);
/// The exit code of a forced exit, as of a shutdown that timed out.
const EXIT_FORCED: u8 = 2;

impl App {
    /// The server that consumes this app's routes.
    pub fn server(self) -> Server {
        Server::new(self)
    }
}

/// Runs an [`App`]'s consumers.
pub struct Server {
    app: App,
    readiness: Readiness,
}

impl Server {
    /// A server for `app`.
    pub fn new(app: App) -> Self {
        Self {
            app,
            readiness: Readiness::default(),
        }
    }

    /// Whether the server, once running, is connected (for a readiness probe); it follows the
    /// server from its start to its stop.
    pub fn readiness(&self) -> Readiness {
        self.readiness.clone()
    }

    /// Consumes only what `selection` admits.
    ///
    /// # Errors
    /// [`Error::Routing`] when nothing is left to consume.
    pub fn select(mut self, selection: &Selection) -> Result<Self, Error> {
        let subscriptions = std::mem::take(&mut self.app.subscriptions);
        self.app.subscriptions = selection.apply(subscriptions)?;
        Ok(self)
    }

    /// Consumes until SIGINT or SIGTERM, then shuts down gracefully. A second signal while
    /// shutting down exits the process at once with code 2, naming the jobs still running (as a
    /// second Ctrl-C does in Karafka).
    ///
    /// # Errors
    /// As [`Server::run_until`].
    pub async fn run(self) -> Result<Shutdown, Error> {
        self.run_with(signals::terminated(), Some(signals::terminated()))
            .await
    }

    /// Consumes until `stop` completes, then shuts down gracefully: no new batches, in-flight
    /// jobs get `shutdown_timeout` to finish, `shutdown` hooks run, offsets are committed and the
    /// consumers leave their groups.
    ///
    /// # Errors
    /// [`Error::Routing`] when the app routes no active topic; [`Error::Connection`] when a
    /// consumer cannot be created or subscribed; [`Error::NotJoined`] (after a graceful stop) when a consumer did not join its group
    /// within `join_timeout`.
    pub async fn run_until(self, stop: impl Future<Output = ()>) -> Result<Shutdown, Error> {
        self.run_with(stop, None::<std::future::Pending<()>>).await
    }

    /// [`Server::run_until`]; `force`, first polled once `stop` completed, ends the process.
    async fn run_with(
        self,
        stop: impl Future<Output = ()>,
        force: Option<impl Future<Output = ()> + Send + 'static>,
    ) -> Result<Shutdown, Error> {
        let Self { app, readiness } = self;
        let routes: Arc<[_]> = app.routes().into();
        let App {
            config,
            subscriptions,
            producer,
            monitor,
            metrics,
            plugins,
            ..
        } = app;
        if subscriptions.is_empty() {
            return Err(RoutingError::Empty.into());
        }
        let endpoint = match &metrics {
            Some(metrics) => Some((Bound::bind(&config.metrics).await?, Arc::clone(metrics))),
            None => None,
        };
        for plugin in &plugins {
            plugin
                .prepare(&config)
                .await
                .map_err(|source| Error::Plugin { source })?;
        }
        let scheduler = Scheduler::new(config.concurrency, Handle::current(), monitor.clone());
        let give_up = Arc::new(GiveUp::default());
        let mut listeners = Vec::with_capacity(subscriptions.len());
        let mut registries = Vec::with_capacity(subscriptions.len());
        for subscription in subscriptions {
            match start(subscription, &config, &scheduler, &producer, &give_up) {
                Ok((listener, registry)) => {
                    listeners.push(listener);
                    registries.push(registry);
                }
                Err(error) => {
                    scheduler.drain(Duration::ZERO).await;
                    close(listeners, MIN_CLOSE_TIME).await;
                    return Err(error);
                }
            }
        }
        tracing::info!(
            "Running Karafka {} server: {} subscription group(s), concurrency {}",
            env!("CARGO_PKG_VERSION"),
            listeners.len(),
            config.concurrency
        );
        monitor.emit(|| Event::AppStateChanged {
            state: AppState::Running,
        });
        readiness.running(
            listeners
                .iter()
                .map(|listener| (listener.name().to_owned(), listener.pulse()))
                .collect(),
        );
        let groups: Vec<WatchedGroup> = listeners
            .iter()
            .zip(&registries)
            .map(|(listener, registry)| WatchedGroup {
                name: listener.name().to_owned(),
                consumer_group: registry.consumer_group().to_owned(),
                pulse: listener.pulse(),
                max_poll_interval: listener.max_poll_interval(),
                registry: Arc::clone(registry),
            })
            .collect();
        let control = Control::new(scheduler.clone(), groups);
        let endpoint = endpoint.map(|(bound, metrics)| {
            let probes = Probes::new(
                readiness.clone(),
                control.groups().to_vec(),
                scheduler.clone(),
                &config.metrics,
            );
            bound.serve(probes, metrics)
        });
        let lifecycle = Lifecycle::default();
        let config = Arc::new(config);
        let plugins: Vec<_> = plugins
            .into_iter()
            .map(|plugin| {
                let handle = ServerHandle::new(
                    control.clone(),
                    Arc::clone(&config),
                    producer.clone(),
                    Arc::clone(&routes),
                    lifecycle.clone(),
                );
                tokio::spawn(async move { plugin.run(handle).await })
            })
            .collect();
        let summary = tokio::spawn(summary::report(
            scheduler.clone(),
            registries,
            config.log_summary_interval,
        ));

        let mut critical = None;
        let gave_up = tokio::select! {
            () = stop => None,
            () = control.stop_token().cancelled() => {
                tracing::info!("Stopping as a command asked");
                None
            }
            reason = give_up.raised() => reason,
            failure = scheduler.critical() => {
                critical = failure;
                None
            }
        };
        lifecycle.stopping.cancel();
        summary.abort();
        readiness.stopping();
        monitor.emit(|| Event::AppStateChanged {
            state: AppState::Stopping,
        });
        if let Some(force) = force {
            tokio::spawn(force_exit(force, scheduler.clone()));
        }
        let stopping = Instant::now();
        tracing::info!(
            "Stopping: waiting up to {} ms for {} running job(s)",
            config.shutdown_timeout.as_millis(),
            scheduler.running().len()
        );
        let drained = scheduler.drain(config.shutdown_timeout).await;
        let still_running = if drained {
            Vec::new()
        } else {
            scheduler.running()
        };
        for job in &still_running {
            tracing::error!("Shutdown timeout passed; job still running: {job}");
        }
        let remaining = config
            .shutdown_timeout
            .saturating_sub(stopping.elapsed())
            .max(MIN_CLOSE_TIME);
        let closed = close(listeners, remaining).await;
        lifecycle.closed.cancel();
        finish_plugins(plugins).await;
        if let Err(error) = producer.flush(MIN_CLOSE_TIME).await {
            tracing::error!(%error, "undelivered records remain in the producer");
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
        monitor.emit(|| Event::AppStateChanged {
            state: AppState::Stopped,
        });
        if let Some(endpoint) = endpoint {
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
            Some(NotJoined {
                group,
                waited,
                servers,
            }) => Err(Error::NotJoined {
                group,
                waited,
                servers,
            }),
            None => Ok(outcome),
        }
    }
}

/// Waits up to [`MIN_CLOSE_TIME`] for the plugins to return; aborts those that do not.
async fn finish_plugins(plugins: Vec<tokio::task::JoinHandle<()>>) {
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

/// Exits the process with code 2 once `force` completes, naming the jobs still running.
async fn force_exit(force: impl Future<Output = ()>, scheduler: Scheduler) {
    force.await;
    let jobs = scheduler.running();
    for job in &jobs {
        tracing::error!("Exiting at once on a second signal; job still running: {job}");
    }
    if jobs.is_empty() {
        tracing::error!("Exiting at once on a second signal");
    }
    std::process::exit(i32::from(EXIT_FORCED));
}

/// Starts the listener of one subscription.
fn start(
    subscription: Subscription,
    config: &Config,
    scheduler: &Scheduler,
    producer: &crate::Producer,
    give_up: &Arc<GiveUp>,
) -> Result<(Listener, Arc<PartitionRegistry<KafkaConsumer>>), Error> {
    let client = consumer_config(
        &subscription.kafka,
        &subscription.group_id,
        &config.client_id,
        subscription.initial_offset.as_auto_offset_reset(),
    )?;
    let mut client = client;
    if subscription.topics.iter().any(|route| route.eofed) {
        // Owned by the runtime (refused in settings): partition ends reach only the
        // coordinators of `eofed` routes.
        client.set("enable.partition.eof", "true");
    }
    let name = subscription.name();
    let topics = subscription.subscriptions();
    for route in &subscription.topics {
        if let Some((settings, count)) = &route.stack.virtual_partitions {
            let keyless = settings.describe_keyless();
            tracing::info!(
                "Topic {} runs up to {count} virtual partitions; messages without a key are {keyless}",
                route.name
            );
        }
    }
    // Jobs of revoked partitions get as long to finish as at shutdown, and never so long that
    // the broker drops the member from its group.
    let revoke_grace =
        GroupTimeouts::from_config(&client).revocation_grace(config.shutdown_timeout);
    let registry = Arc::new(PartitionRegistry::new(
        Arc::new(subscription),
        scheduler.clone(),
        producer.clone(),
        revoke_grace,
    ));
    let join_timeout = Some(config.join_timeout).filter(|timeout| !timeout.is_zero());
    let listener = Listener::start(
        name.clone(),
        &client,
        &topics,
        Arc::clone(&registry),
        join_timeout,
        Arc::clone(give_up),
    )
    .map_err(|error| Error::Connection { group: name, error })?;
    Ok((listener, registry))
}

/// Closes every listener (final commit, leave the group), waiting at most `timeout`. `true` when
/// all closed in time.
async fn close(listeners: Vec<Listener>, timeout: Duration) -> bool {
    let names: Vec<String> = listeners.iter().map(|l| l.name().to_owned()).collect();
    let threads: Vec<_> = listeners.into_iter().map(Listener::close).collect();
    let joined = tokio::task::spawn_blocking(move || {
        for thread in threads {
            let _ = thread.join();
        }
    });
    match tokio::time::timeout(timeout, joined).await {
        Ok(_) => true,
        Err(_) => {
            tracing::error!(
                "Consumers of {} did not leave their groups within {} ms",
                names.join(", "),
                timeout.as_millis()
            );
            false
        }
    }
}
