//! A routed topic: its consumer and per-topic settings.

use std::sync::Arc;
use std::time::Duration;

use tower::{Layer, Service};

use super::{Multiplexing, Pausing, Periodic, TopicConfig};
use crate::config::{InitialOffset, KafkaSettings};
use crate::consumer::{critical_type, CriticalTest, Wrap};
use crate::jobs::{Job, JobRegistry};
use crate::messages::{Deserializer, Deserializers};
use crate::middleware::filter::{DelayBy, ExpireIn, Filtering, Predicate, Throttle};
use crate::middleware::{
    stack_layer, ConsumerStack, DeadLetterQueue, FilterLayer, StackLayer, Verdict,
    VirtualPartitions,
};
use crate::type_name::short_type_name;
use crate::Message;
use crate::{BoxError, Consumer, Context};

/// Builds a new consumer instance for one partition.
pub(crate) type ConsumerFactory = Arc<dyn Fn() -> Box<dyn Consumer> + Send + Sync>;

/// A topic (or a pattern of topics) and how it is consumed. Settings left unset take the routes'
/// defaults, then the app's [`Config`](crate::Config).
#[derive(Clone, Default)]
pub struct Topic {
    pub(crate) name: String,
    pub(crate) pattern: bool,
    pub(crate) consumer: Option<(ConsumerFactory, &'static str)>,
    pub(crate) max_messages: Option<usize>,
    pub(crate) max_wait_time: Option<Duration>,
    pub(crate) initial_offset: Option<InitialOffset>,
    pub(crate) active: Option<bool>,
    pub(crate) manual_offset_management: Option<bool>,
    pub(crate) kafka: KafkaSettings,
    pub(crate) subscription_group: Option<String>,
    /// The multiplexing of the [`SubscriptionGroup`](super::SubscriptionGroup) it was routed
    /// in, if that group set one (never a default: it belongs to the group).
    pub(crate) multiplexing: Option<Multiplexing>,
    pub(crate) deserializers: Deserializers,
    pub(crate) layers: Vec<StackLayer>,
    pub(crate) filters: Vec<StackLayer>,
    pub(crate) config: Option<TopicConfig>,
    pub(crate) dead_letter_queue: Option<DeadLetterQueue>,
    pub(crate) virtual_partitions: Option<VirtualPartitions>,
    pub(crate) long_running_job: Option<bool>,
    pub(crate) periodic: Option<Periodic>,
    pub(crate) eofed: Option<bool>,
    pub(crate) pausing: Option<Pausing>,
    pub(crate) wrap: Option<Arc<dyn Wrap>>,
    pub(crate) critical: Vec<CriticalTest>,
    /// The job types a jobs topic performs (its consumer is then the built-in job consumer).
    pub(crate) jobs: Option<JobRegistry>,
    /// A built-in route (a schedules topic) whose settings are complete: the routes' defaults
    /// (a filter, virtual partitions, a layer) would break what its consumer relies on.
    pub(crate) ignores_defaults: bool,
}

impl Topic {
    /// The topic named `name`.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ..Self::default()
        }
    }

    /// Every topic whose name matches `regex`, including topics created after the server
    /// started (librdkafka notices them on its next metadata refresh,
    /// `topic.metadata.refresh.interval.ms`, every 10 s by default). The match is anchored at the
    /// start of the name.
    pub fn pattern(regex: impl Into<String>) -> Self {
        Self {
            name: regex.into(),
            pattern: true,
            ..Self::default()
        }
    }

    /// These settings, with `defaults` filling in what they leave unset (unless the route
    /// ignores defaults).
    pub(crate) fn with_defaults(self, defaults: &Topic) -> Topic {
        if self.ignores_defaults {
            return self;
        }
        let mut layers = defaults.layers.clone();
        layers.extend(self.layers);
        let mut filters = defaults.filters.clone();
        filters.extend(self.filters);
        let mut critical = defaults.critical.clone();
        critical.extend(self.critical);
        Topic {
            name: self.name,
            pattern: self.pattern,
            // A jobs topic's consumer is the built-in one, never the defaults'.
            consumer: match self.jobs {
                Some(_) => self.consumer,
                None => self.consumer.or_else(|| defaults.consumer.clone()),
            },
            max_messages: self.max_messages.or(defaults.max_messages),
            max_wait_time: self.max_wait_time.or(defaults.max_wait_time),
            initial_offset: self.initial_offset.or(defaults.initial_offset),
            active: self.active.or(defaults.active),
            manual_offset_management: self
                .manual_offset_management
                .or(defaults.manual_offset_management),
            kafka: defaults.kafka.merged(&self.kafka),
            subscription_group: self
                .subscription_group
                .or_else(|| defaults.subscription_group.clone()),
            multiplexing: self.multiplexing,
            deserializers: self.deserializers.or(&defaults.deserializers),
            layers,
            filters,
            config: self.config.or_else(|| defaults.config.clone()),
            dead_letter_queue: self
                .dead_letter_queue
                .or_else(|| defaults.dead_letter_queue.clone()),
            virtual_partitions: self
                .virtual_partitions
                .or_else(|| defaults.virtual_partitions.clone()),
            long_running_job: self.long_running_job.or(defaults.long_running_job),
            periodic: self.periodic.or(defaults.periodic),
            eofed: self.eofed.or(defaults.eofed),
            pausing: self.pausing.or(defaults.pausing),
            wrap: self.wrap.or_else(|| defaults.wrap.clone()),
            critical,
            jobs: self.jobs,
            ignores_defaults: false,
        }
    }

    /// Consumes with `C`, one `C::default()` per assigned partition.
    pub fn consumer<C: Consumer + Default>(self) -> Self {
        self.consumer_with(C::default)
    }

    /// Consumes with the instances `factory` builds, one per assigned partition (for consumers
    /// that need handles such as a database pool).
    pub fn consumer_with<C, F>(mut self, factory: F) -> Self
    where
        C: Consumer,
        F: Fn() -> C + Send + Sync + 'static,
    {
        let factory: ConsumerFactory = Arc::new(move || Box::new(factory()));
        self.consumer = Some((factory, short_type_name::<C>()));
        self
    }

    /// Performs jobs of type `J` on this topic (Karafka's `active_job_topic`): the topic's
    /// consumer is the built-in job consumer, which runs each job's [`Job::perform`], and
    /// [`Jobs::enqueue`](crate::jobs::Jobs::enqueue) sends jobs of type `J` here. Call it once
    /// per job type; every other setting (retries, dead-letter queue, virtual partitions,
    /// `long_running_job`, ...) applies as on any topic. Not together with a consumer.
    ///
    /// ```
    /// # use karafka::jobs::{Job, JobContext};
    /// # #[derive(serde::Serialize, serde::Deserialize)] struct SendEmail;
    /// # #[karafka::async_trait] impl Job for SendEmail {
    /// #     async fn perform(&self, _: &mut JobContext<'_>) -> anyhow::Result<()> { Ok(()) }
    /// # }
    /// # #[derive(serde::Serialize, serde::Deserialize)] struct ResizeImage;
    /// # #[karafka::async_trait] impl Job for ResizeImage {
    /// #     async fn perform(&self, _: &mut JobContext<'_>) -> anyhow::Result<()> { Ok(()) }
    /// # }
    /// use karafka::middleware::DeadLetterQueue;
    /// use karafka::routing::{Routes, Topic};
    ///
    /// let routes = Routes::new().topic(
    ///     Topic::new("default")
    ///         .job::<SendEmail>()
    ///         .job::<ResizeImage>()
    ///         .dead_letter_queue(DeadLetterQueue::new("default_dlq").max_retries(2)),
    /// );
    /// ```
    pub fn job<J: Job>(mut self) -> Self {
        self.jobs
            .get_or_insert_with(JobRegistry::default)
            .register::<J>();
        self
    }

    /// Most messages per consume job.
    pub fn max_messages(mut self, max_messages: usize) -> Self {
        self.max_messages = Some(max_messages);
        self
    }

    /// Longest time a partition gathers messages for its next batch.
    pub fn max_wait_time(mut self, max_wait_time: Duration) -> Self {
        self.max_wait_time = Some(max_wait_time);
        self
    }

    /// Where the group starts when the partition has no committed offset.
    pub fn initial_offset(mut self, initial_offset: InitialOffset) -> Self {
        self.initial_offset = Some(initial_offset);
        self
    }

    /// Whether the topic is consumed (an inactive route is kept but not subscribed). An inactive
    /// topic needs no consumer; a topic nothing consumes is better declared apart with
    /// [`Routes::declare`](super::Routes::declare).
    pub fn active(mut self, active: bool) -> Self {
        self.active = Some(active);
        self
    }

    /// With `true`, the runtime does not mark a batch after `consume` succeeds; the consumer marks
    /// what it handled itself.
    pub fn manual_offset_management(mut self, manual: bool) -> Self {
        self.manual_offset_management = Some(manual);
        self
    }

    /// A librdkafka setting for this topic's consumer only. Topics with different settings get
    /// different connections (subscription groups).
    pub fn kafka(mut self, key: impl Into<String>, value: impl ToString) -> Self {
        self.kafka.set(key, value);
        self
    }

    /// Puts the topic in a named subscription group: topics of one consumer group and one
    /// subscription group share a connection (one librdkafka consumer).
    pub fn subscription_group(mut self, name: impl Into<String>) -> Self {
        self.subscription_group = Some(name.into());
        self
    }

    /// Decodes payloads with `deserializer` instead of JSON: the payload part of
    /// [`Topic::deserializers`].
    pub fn deserializer(mut self, deserializer: impl Deserializer) -> Self {
        self.deserializers = self.deserializers.payload(deserializer);
        self
    }

    /// Decodes this topic's payloads, keys or headers with the [`Deserializers`] given (Karafka's
    /// `deserializers`). Only the parts `deserializers` sets are changed; a part the topic leaves
    /// unset takes the routes' defaults, then the built-in one (JSON payloads, text keys, a map of
    /// text headers).
    pub fn deserializers(mut self, deserializers: Deserializers) -> Self {
        self.deserializers = deserializers.or(&self.deserializers);
        self
    }

    /// How the topic should exist in the cluster, for the `topics` commands.
    pub fn config(mut self, config: TopicConfig) -> Self {
        self.config = Some(config);
        self
    }

    /// Sends messages that keep failing to a dead-letter topic (or skips them).
    pub fn dead_letter_queue(mut self, dead_letter_queue: DeadLetterQueue) -> Self {
        self.dead_letter_queue = Some(dead_letter_queue);
        self
    }

    /// Processes each batch in parallel by key, in order per key.
    pub fn virtual_partitions(mut self, virtual_partitions: VirtualPartitions) -> Self {
        self.virtual_partitions = Some(virtual_partitions);
        self
    }

    /// With `true`, jobs may run far longer than `max.poll.interval.ms` without the consumer
    /// leaving its group.
    pub fn long_running_job(mut self, long_running_job: bool) -> Self {
        self.long_running_job = Some(long_running_job);
        self
    }

    /// Ticks the consumers of the assigned partitions ([`Consumer::tick`]) when no batch ran for
    /// the periodic interval, also when no message arrives (Karafka's periodic jobs).
    pub fn periodic(mut self, periodic: Periodic) -> Self {
        self.periodic = Some(periodic);
        self
    }

    /// With `true`, [`Consumer::eofed`] runs each time a partition was read to its end
    /// (Karafka's `eofed`). The runtime turns on librdkafka's `enable.partition.eof` for the
    /// topic's subscription group.
    pub fn eofed(mut self, eofed: bool) -> Self {
        self.eofed = Some(eofed);
        self
    }

    /// This topic's backoff after failures, over the app's `pause_*` settings.
    pub fn pause(mut self, pausing: Pausing) -> Self {
        self.pausing = Some(pausing);
        self
    }

    /// Runs `wrap` around every action of this topic's consumers: `initialized`, each batch,
    /// `tick`, `eofed`, `revoked` and `shutdown`.
    pub fn wrap(mut self, wrap: impl Wrap) -> Self {
        self.wrap = Some(Arc::new(wrap));
        self
    }

    /// Makes an error of type `E` (anywhere in a failure's chain) critical: like an error marked
    /// with [`Critical`](crate::consumer::Critical), it stops the server gracefully instead of
    /// being retried. Adds to the types given before and in the routes' defaults.
    pub fn critical_error<E: std::error::Error + 'static>(mut self) -> Self {
        self.critical.push(critical_type::<E>());
        self
    }

    /// Decides per message whether the consumer sees it ([`Verdict::Keep`]), it is left out
    /// ([`Verdict::Drop`], still marked) or the partition pauses there ([`Verdict::Pause`]).
    pub fn filter<F>(self, filter: F) -> Self
    where
        F: Fn(&Message) -> Verdict + Clone + Send + Sync + 'static,
    {
        self.with_filter(Predicate(filter))
    }

    /// Leaves out (and marks) messages older than `ttl`, counted and logged.
    pub fn expire_in(self, ttl: Duration) -> Self {
        self.with_filter(ExpireIn(ttl))
    }

    /// Hands messages to the consumer only once they are `delay` old, pausing the partition
    /// until then (never sleeping in a job).
    pub fn delay_by(self, delay: Duration) -> Self {
        self.with_filter(DelayBy(delay))
    }

    /// Lets at most `limit` messages through in any `interval`, pausing the partition in
    /// between.
    pub fn throttle(self, limit: usize, interval: Duration) -> Self {
        self.with_filter(Throttle::new(limit, interval))
    }

    fn with_filter(mut self, filtering: impl Filtering) -> Self {
        self.filters.push(stack_layer(FilterLayer::new(filtering)));
        self
    }

    /// Wraps this topic's processing in a tower layer, or an async closure made one with
    /// [`layer_fn`](crate::middleware::layer_fn); the last layer added is the outermost.
    pub fn layer<L>(mut self, layer: L) -> Self
    where
        L: Layer<ConsumerStack> + Send + Sync + 'static,
        L::Service: Service<Context, Response = ()> + Send + 'static,
        <L::Service as Service<Context>>::Error: Into<BoxError>,
        <L::Service as Service<Context>>::Future: Send + 'static,
    {
        self.layers.push(stack_layer(layer));
        self
    }
}
