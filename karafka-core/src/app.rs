//! The app: settings, routes and producer, checked together before anything connects.

use std::sync::Arc;

use crate::config::{Cluster, Config};
use crate::instrumentation::{Listener, Logger, Metrics, Monitor};
use crate::jobs::{JobIndex, Jobs};
use crate::plugin::Plugin;
use crate::producer::{ClusterProducers, Producer, ProducerLayer};
use crate::recurring_tasks::Schedule;
use crate::routing::{DeclaredTopic, RouteDescription, Routes, Subscription};
use crate::Error;

/// A validated app, ready to run as a [`Server`](crate::Server) and to produce.
pub struct App {
    pub(crate) config: Config,
    pub(crate) subscriptions: Vec<Subscription>,
    pub(crate) declared: Vec<DeclaredTopic>,
    /// `(consumer group, topic)` of the topics routed with `active: false`.
    pub(crate) inactive: Vec<(String, String)>,
    /// The app's producer, and one for each other cluster the routes consume from.
    pub(crate) producers: ClusterProducers,
    /// The listeners of the runtime's events.
    pub(crate) monitor: Monitor,
    /// The Prometheus metrics, one of the listeners, when `metrics.enabled`.
    pub(crate) metrics: Option<Arc<Metrics>>,
    /// What runs beside the server's consumers.
    pub(crate) plugins: Vec<Arc<dyn Plugin>>,
    /// The topic of each job type the routes register.
    pub(crate) jobs: Arc<JobIndex>,
    /// The recurring tasks, when the routes have them.
    pub(crate) recurring_tasks: Option<Arc<Schedule>>,
}

impl App {
    /// Starts building an app.
    pub fn builder() -> AppBuilder {
        AppBuilder::default()
    }

    /// The app's settings.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The app's producer (clone it to keep it beyond the app), of the cluster of `[kafka]`.
    pub fn producer(&self) -> &Producer {
        self.producers.main()
    }

    /// The producer of the cluster `topic` is consumed from: the one its consumers and its
    /// dead-letter queue use (the app's producer unless the route's `kafka` settings name
    /// another cluster, or when no active route consumes `topic`).
    pub fn producer_for(&self, topic: &str) -> &Producer {
        self.producers.of(&self.cluster_of(topic))
    }

    /// The cluster `topic` is consumed from (by name or by a pattern route): the route's
    /// connection settings laid over `[kafka]` (the first route's, when routes on several
    /// clusters consume topics of that name), or the cluster of `[kafka]` when no active route
    /// consumes it. Give it to [`Admin::for_cluster`](crate::admin::Admin::for_cluster) to
    /// administer the topic where it lives.
    pub fn cluster_of(&self, topic: &str) -> Cluster {
        self.subscriptions
            .iter()
            .find(|subscription| subscription.route_for(topic).is_some())
            .map_or_else(
                || self.config.cluster(),
                |subscription| subscription.cluster.clone(),
            )
    }

    /// Enqueues background jobs with the app's producer, each to the topic its jobs route
    /// gives its type ([`karafka::jobs`](crate::jobs)).
    pub fn jobs(&self) -> Jobs {
        Jobs::new(Arc::clone(&self.jobs), self.producer().clone())
    }

    /// The recurring tasks of the routes, to send them commands with the app's producer:
    /// `app.recurring_tasks()?.trigger(app.producer(), "cleanup")`.
    pub fn recurring_tasks(&self) -> Option<Arc<Schedule>> {
        self.recurring_tasks.clone()
    }

    /// The routed topics, as tools show them.
    pub fn routes(&self) -> Vec<RouteDescription> {
        self.subscriptions
            .iter()
            .flat_map(|subscription| {
                subscription.topics.iter().map(|route| RouteDescription {
                    consumer_group: subscription.group_id.clone(),
                    subscription_group: subscription.subscription_group.clone(),
                    connections: subscription.connections,
                    topic: route.name.clone(),
                    pattern: route.pattern.is_some(),
                    consumer: route.consumer_name.to_owned(),
                    dead_letter_topic: route
                        .stack
                        .dead_letter
                        .as_ref()
                        .and_then(|(settings, _)| settings.topic.clone()),
                    virtual_partitions: route.stack.virtual_partitions.is_some(),
                    long_running_job: route.long_running_job,
                    filters: route.stack.filters.len(),
                    features: route.features.clone(),
                })
            })
            .collect()
    }
}

/// Builds an [`App`]; see [`App::builder`].
#[derive(Default)]
pub struct AppBuilder {
    config: Option<Config>,
    routes: Option<Routes>,
    listeners: Vec<Arc<dyn Listener>>,
    plugins: Vec<Arc<dyn Plugin>>,
    producer_layers: Vec<Arc<dyn ProducerLayer>>,
}

impl AppBuilder {
    /// Uses `config` instead of [`Config::load`].
    pub fn config(mut self, config: Config) -> Self {
        self.config = Some(config);
        self
    }

    /// The app's routes.
    pub fn routes(mut self, routes: Routes) -> Self {
        self.routes = Some(routes);
        self
    }

    /// Adds a listener of the runtime's [`Event`](crate::instrumentation::Event)s: a
    /// [`Listener`] or a closure `Fn(&Event)`. Listeners get each event in the order they were
    /// added, on the thread that emits it.
    ///
    /// ```
    /// use karafka::instrumentation::Event;
    /// use karafka::App;
    ///
    /// let builder = App::builder().listener(|event: &Event| {
    ///     if let Event::ErrorOccurred { kind, error, .. } = event {
    ///         eprintln!("{kind:?}: {error}");
    ///     }
    /// });
    /// # let _ = builder;
    /// ```
    pub fn listener(mut self, listener: impl Listener) -> Self {
        self.listeners.push(Arc::new(listener));
        self
    }

    /// Adds a [`Plugin`]: it runs beside the server's consumers, and its listener (if any)
    /// hears the runtime's events after the app's own listeners.
    pub fn plugin(mut self, plugin: impl Plugin) -> Self {
        self.plugins.push(Arc::new(plugin));
        self
    }

    /// Sends every record of the app's producer through `layer`: what app code produces with
    /// [`App::producer`], what consumers produce with [`Context::producer`](crate::Context::producer),
    /// and dead-letter dispatches, on Kafka and in [`testing`](crate::testing) alike. The last
    /// layer added sees a record first. A layer's error reaches the caller as
    /// [`ProduceError::Rejected`](crate::producer::ProduceError::Rejected) (for a dead-letter
    /// dispatch: the dispatch fails, and the message is retried).
    ///
    /// ```
    /// use karafka::producer::{map_record, Record};
    /// use karafka::App;
    ///
    /// let builder = App::builder()
    ///     .producer_layer(map_record(|record: Record| Ok(record.header("service", "billing"))));
    /// # let _ = builder;
    /// ```
    pub fn producer_layer(mut self, layer: impl ProducerLayer) -> Self {
        self.producer_layers.push(Arc::new(layer));
        self
    }

    /// Validates settings and routes and creates the producers: the app's, and one for each
    /// other cluster the routes consume from. Connects to nothing.
    ///
    /// # Errors
    /// [`Error::Config`] or [`Error::Routing`] naming what is wrong (with
    /// `strict_declarative_topics`, every topic without a declaration), [`Error::Producer`] when
    /// librdkafka refuses to create the producer.
    pub fn build(self) -> Result<App, Error> {
        let config = match self.config {
            Some(config) => {
                config.validate()?;
                config
            }
            None => Config::load()?,
        };
        let routes = self.routes.unwrap_or_default();
        let schedules = routes.schedules_topic().map(str::to_owned);
        // Every producer of the app gets its scheduled-messages topic and its layers.
        let finish = |mut producer: Producer| {
            if let Some(topic) = &schedules {
                producer = producer.scheduled_messages_topic(topic);
            }
            self.producer_layers
                .iter()
                .cloned()
                .fold(producer, Producer::layer_shared)
        };
        let mut producers =
            ClusterProducers::new(config.cluster(), finish(Producer::new(&config)?));
        let resolved = routes.resolve(&config)?;
        for subscription in &resolved.subscriptions {
            producers.add(&subscription.cluster, || {
                Producer::for_cluster(&config, &subscription.cluster).map(&finish)
            })?;
        }
        // The logger first: a line is written before any listener of the app's sees its event.
        let mut listeners: Vec<Arc<dyn Listener>> = vec![Arc::new(Logger)];
        listeners.extend(self.listeners);
        listeners.extend(self.plugins.iter().filter_map(|plugin| plugin.listener()));
        let metrics = config.metrics.enabled.then(|| Arc::new(Metrics::new()));
        if let Some(metrics) = &metrics {
            listeners.push(Arc::clone(metrics) as Arc<dyn Listener>);
        }
        Ok(App {
            config,
            subscriptions: resolved.subscriptions,
            declared: resolved.declared,
            inactive: resolved.inactive,
            producers,
            monitor: Monitor::new(listeners),
            metrics,
            plugins: self.plugins,
            jobs: resolved.jobs,
            recurring_tasks: resolved.recurring_tasks,
        })
    }
}
