//! The server: starts a listener per subscription group (per connection when multiplexed), runs until SIGINT/SIGTERM (or, embedded
//! in another application, until [`RunningServer::stop`]), then shuts down gracefully within
//! `shutdown_timeout`.

mod beside;
mod endpoint;
mod health;
mod prefetch;
mod readiness;
mod running;
mod selection;
mod shutdown;
mod signals;
mod started;
mod summary;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::runtime::Handle;

pub(crate) use beside::Beside;
pub use readiness::Readiness;
pub use running::RunningServer;
pub use selection::Selection;
pub use shutdown::Shutdown;

use crate::app::App;
use crate::config::{consumer_config, Config, OAuthHook};
use crate::connection::{GiveUp, GroupTimeouts, KafkaConsumer, Listener};
use crate::instrumentation::{AppState, Event};
use crate::plugin::{Control, Lifecycle, ServerHandle, WatchedGroup};
use crate::processing::{PartitionRegistry, Scheduler};
use crate::routing::{RoutingError, Subscription};
use crate::Error;
use endpoint::Bound;
use health::Probes;
use signals::SecondStop;
use started::Started;

/// Closing the consumers (final commit, leaving the group) gets at least this long, even when
/// jobs used up the shutdown timeout.
const MIN_CLOSE_TIME: Duration = Duration::from_secs(5);

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
    /// second Ctrl-C does in Karafka). SIGTSTP makes the server quiet ([`Control::quiet`]: no
    /// new batch starts, running jobs finish and commit, the process stays in its groups until
    /// it is stopped); SIGTTIN logs every running job with its partition, offsets and how long
    /// it has run.
    ///
    /// # Errors
    /// As [`Server::run_until`].
    pub async fn run(self) -> Result<Shutdown, Error> {
        self.run_beside(|_| async {}).await
    }

    /// [`Server::run`], with `beside` running next to the consumers from when the signals are
    /// acted on until the server stopped (a swarm node's reports to its supervisor).
    pub(crate) async fn run_beside<F>(
        self,
        beside: impl FnOnce(Beside) -> F,
    ) -> Result<Shutdown, Error>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let server = self.start().await?;
        let signals = tokio::spawn(signals::operate(
            server.handle().clone(),
            SecondStop::ExitProcess,
        ));
        let beside = tokio::spawn(beside(server.beside()));
        let outcome = server.stopped().await;
        signals.abort();
        beside.abort();
        outcome
    }

    /// Consumes until `stop` completes, then shuts down gracefully: no new batches, in-flight
    /// jobs get `shutdown_timeout` to finish, `shutdown` hooks run, offsets are committed and the
    /// consumers leave their groups.
    ///
    /// # Errors
    /// As [`Server::start`] and [`RunningServer::stop`].
    pub async fn run_until(self, stop: impl Future<Output = ()>) -> Result<Shutdown, Error> {
        let server = self.start().await?;
        tokio::select! {
            () = stop => {}
            () = server.handle().stopping() => {}
        }
        server.stop().await
    }

    /// Starts consuming and returns a [`RunningServer`] to quiet, inspect and stop the server
    /// with: for consumers inside another tokio application, an HTTP service say. It installs
    /// no signal handlers, as the host application owns the process's signals
    /// ([`RunningServer::handle_signals`] adds those [`Server::run`] acts on). The consumers run
    /// on the tokio runtime this is called in.
    ///
    /// ```no_run
    /// # async fn example(app: karafka::App) -> Result<(), karafka::Error> {
    /// let server = app.server().start().await?;
    /// // For the host's own handlers: quiet, status, pause and resume, stop.
    /// let control = server.control().clone();
    /// # let _ = control;
    /// let _ = tokio::signal::ctrl_c().await;
    /// let shutdown = server.stop().await?;
    /// println!("stopped: {shutdown}");
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::Routing`] when the app routes no active topic; [`Error::Connection`] when a
    /// consumer cannot be created or subscribed; [`Error::Endpoint`] when the metrics endpoint
    /// cannot listen; [`Error::Plugin`] when a plugin cannot prepare.
    pub async fn start(self) -> Result<RunningServer, Error> {
        let Self { app, readiness } = self;
        let routes: Arc<[_]> = app.routes().into();
        let App {
            config,
            mut subscriptions,
            producers,
            monitor,
            metrics,
            plugins,
            ..
        } = app;
        if subscriptions.is_empty() {
            return Err(RoutingError::Empty.into());
        }
        if let Some(budget) = config.max_memory {
            prefetch::share_budget(&mut subscriptions, &config, budget).await?;
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
        let groups = subscriptions.len();
        // A multiplexed subscription group runs a listener per connection.
        let connections: Vec<Subscription> = subscriptions
            .into_iter()
            .flat_map(Subscription::split)
            .collect();
        let mut listeners = Vec::with_capacity(connections.len());
        let mut registries = Vec::with_capacity(connections.len());
        for subscription in connections {
            // A subscription's consumers produce, and dead-letter, on its cluster.
            let producer = producers.of(&subscription.cluster).clone();
            match start_listener(subscription, &config, &scheduler, producer, &give_up) {
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
            "Running Karafka {} server: {} subscription group(s) on {} connection(s), concurrency {}",
            env!("CARGO_PKG_VERSION"),
            groups,
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
        let probes = Probes::new(
            readiness.clone(),
            control.groups().to_vec(),
            scheduler.clone(),
            &config.metrics,
        );
        let endpoint = endpoint.map(|(bound, metrics)| bound.serve(probes.clone(), metrics));
        let config = Arc::new(config);
        let handle = ServerHandle::new(
            control,
            Arc::clone(&config),
            producers.main().clone(),
            routes,
            Lifecycle::default(),
        );
        let plugins = plugins
            .into_iter()
            .map(|plugin| {
                let handle = handle.clone();
                tokio::spawn(async move { plugin.run(handle).await })
            })
            .collect();
        let summary = tokio::spawn(summary::report(
            scheduler.clone(),
            registries,
            config.log_summary_interval,
        ));
        let started = Started {
            handle: handle.clone(),
            scheduler,
            listeners,
            give_up,
            readiness,
            monitor,
            producers,
            plugins,
            summary,
            endpoint,
        };
        Ok(RunningServer::new(
            handle,
            probes,
            tokio::spawn(started.run()),
        ))
    }
}

/// Starts the listener of one subscription.
fn start_listener(
    subscription: Subscription,
    config: &Config,
    scheduler: &Scheduler,
    producer: crate::Producer,
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
        producer,
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
        OAuthHook::new(&config.oauth),
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
