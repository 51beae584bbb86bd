//! A Kafka consumer framework on librdkafka, in the spirit of Ruby's Karafka.
//!
//! Write a [`Consumer`] per topic, map topics to consumers in [`routing::Routes`], build an
//! [`App`] and run its [`Server`]. The runtime polls Kafka, hands each partition's messages to its
//! consumer in batches and in order, runs up to `concurrency` batches at once, and stores an
//! offset only after its message was handled (at-least-once). A failing batch pauses only its
//! partition and is retried with backoff; nothing is skipped.
//!
//! The cargo feature `opentelemetry` traces messages from their producer through their consume
//! jobs to the dead-letter queue and exports the spans over OTLP
//! (`karafka::instrumentation::opentelemetry`).
//!
//! ```no_run
//! use karafka::routing::{Routes, Topic};
//! use karafka::{async_trait, App, Config, Consumer, Context};
//!
//! #[derive(Default)]
//! struct ExampleConsumer;
//!
//! #[async_trait]
//! impl Consumer for ExampleConsumer {
//!     async fn consume(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
//!         for message in ctx.messages() {
//!             let payload: serde_json::Value = message.payload()?;
//!             tracing::info!(%payload, "consumed");
//!         }
//!         Ok(())
//!     }
//! }
//!
//! fn app() -> anyhow::Result<App> {
//!     Ok(App::builder()
//!         .config(Config::load()?)
//!         .routes(Routes::new().topic(Topic::new("example").consumer::<ExampleConsumer>()))
//!         .build()?)
//! }
//!
//! fn main() -> std::process::ExitCode {
//!     karafka::cli::run(app)
//! }
//! ```

// Lets the `routes!` expansion's `::karafka::...` paths resolve inside this crate's own tests.
extern crate self as karafka;

pub mod admin;
mod app;
pub mod cli;
pub mod config;
mod connection;
pub mod consumer;
mod error;
pub mod instrumentation;
pub mod jobs;
mod memory;
pub mod messages;
pub mod middleware;
mod offsets;
pub mod plugin;
mod processing;
pub mod producer;
pub mod recurring_tasks;
pub mod routing;
pub mod scheduled_messages;
pub mod server;
mod swarm;
pub mod testing;
mod topic_partition;
mod type_name;

pub use app::{App, AppBuilder};
pub use async_trait::async_trait;
pub use config::Config;
pub use consumer::{Consumer, Context};
pub use error::Error;
/// Builds [`routing::Routes`] from the routing DSL.
///
/// Every form expands to calls of the builder API in [`routing`] (listed below), so anything the
/// DSL says can also be written without it, and the two mix: the macro is an expression of type
/// `Routes`. Mistakes that need no type information (an unknown key, a key set twice, a literal
/// topic name routed twice in one consumer group, an active topic without a consumer) are compile
/// errors at the offending token; a value of the wrong type is the compiler's error at the value.
/// What is given as an expression (a name, an `active` flag) is checked when the app is built
/// ([`AppBuilder::build`]), as everything the builder API says is.
///
/// ```
/// use std::sync::Arc;
///
/// use karafka::middleware::{layer_fn, Verdict, VirtualPartitions};
/// use karafka::routes;
/// use karafka::routing::Routes;
/// # use karafka::{async_trait, Consumer, Context};
/// # #[derive(Default)] struct EventsConsumer;
/// # #[async_trait] impl Consumer for EventsConsumer {
/// #     async fn consume(&mut self, _: &mut Context) -> anyhow::Result<()> { Ok(()) }
/// # }
/// # struct Pool;
/// # struct OrdersConsumer { pool: Arc<Pool> }
/// # #[async_trait] impl Consumer for OrdersConsumer {
/// #     async fn consume(&mut self, _: &mut Context) -> anyhow::Result<()> { Ok(()) }
/// # }
///
/// fn app_routes(prefix: &str, pool: Arc<Pool>) -> Routes {
///     routes! {
///         defaults {
///             max_messages: 100,
///             kafka: { "fetch.max.bytes": 1048576 },
///             layer: layer_fn(|ctx, next| async move {
///                 let size = ctx.messages().len();
///                 let result = next.run(ctx).await;
///                 tracing::debug!(size, ok = result.is_ok(), "batch");
///                 result
///             }),
///         }
///         topic "events" => EventsConsumer,
///         topic (format!("{prefix}.orders")) {
///             consumer_with: move || OrdersConsumer { pool: Arc::clone(&pool) },
///             max_wait_time: 500,
///             initial_offset: latest,
///             dead_letter_queue: { topic: format!("{prefix}.orders_dlq"), max_retries: 3 },
///             virtual_partitions: VirtualPartitions::by_key().max_partitions(8),
///             config: { partitions: 6, "cleanup.policy": "compact" },
///         }
///         // Declared for the `topics` commands; nothing consumes it here.
///         declare (format!("{prefix}.orders_dlq")) { partitions: 2 }
///         declare "outbox" {
///             partitions: 6,
///             replication_factor: 1,
///             config: { "retention.ms": 604800000 },
///         }
///         // Each occurrence runs on one process of the app's processes.
///         recurring_tasks {
///             interval: 5000,
///             task "cleanup" { cron: "*/5 * * * *", run: |_run| async { Ok(()) } }
///         }
///         topic "audit" {
///             consumer: EventsConsumer,
///             filter: |m| if m.key().is_some() { Verdict::Keep } else { Verdict::Drop },
///             throttle: { limit: 100, interval: 1000 },
///         }
///         // Three connections (librdkafka consumers) share the partitions of "clicks".
///         subscription_group "fast" {
///             multiplexing: { connections: 3 },
///             topic "clicks" => EventsConsumer,
///         }
///         consumer_group "analytics" {
///             subscription_group "slow" { topic "events" => EventsConsumer }
///             pattern(r"logs\..*") => EventsConsumer,
///         }
///     }
/// }
/// # let _ = app_routes("staging", Arc::new(Pool));
/// ```
///
/// # Items
///
/// Items may be separated by `,` or `;`. A `NAME` is a string literal, or an expression of any
/// `impl Into<String>` type in parentheses, such as `(format!("{prefix}.orders"))`; only literal
/// names are checked at compile time.
///
/// | item | where | becomes |
/// |---|---|---|
/// | `defaults { KEY: VALUE, ... }` | top level | [`Routes::defaults`](routing::Routes::defaults)`(\|topic\| topic.KEY(VALUE)...)`: settings every topic takes unless it sets its own; a later `defaults` replaces an earlier one |
/// | `topic NAME => Type` | anywhere | [`.topic`](routing::Routes::topic)`(`[`Topic::new`](routing::Topic::new)`(NAME).consumer::<Type>())` |
/// | `topic NAME { KEY: VALUE, ... }` | anywhere | `.topic(Topic::new(NAME).KEY(VALUE)...)` |
/// | `jobs NAME => [JobA, JobB]` | anywhere | `.topic(Topic::new(NAME)`[`.job::<JobA>()`](routing::Topic::job)`.job::<JobB>())`: a topic of background [`jobs`], performed by the built-in job consumer |
/// | `jobs NAME { jobs: [JobA, ...], KEY: VALUE, ... }` | anywhere | the same with the topic's other keys, e.g. `dead_letter_queue`, `virtual_partitions` |
/// | `pattern(REGEX) => Type`, `pattern(REGEX) { ... }` | anywhere | `.topic(`[`Topic::pattern`](routing::Topic::pattern)`(REGEX)...)`; `REGEX` is a literal or an expression |
/// | `subscription_group NAME { topics, patterns }` | top level, in a `consumer_group` | [`.subscription_group`](routing::Routes::subscription_group)`(`[`SubscriptionGroup::new`](routing::SubscriptionGroup::new)`(NAME).topic(...)...)` |
/// | `multiplexing: { connections: N }`, or `multiplexing: Multiplexing` | in a `subscription_group`, once | [`.multiplexing`](routing::SubscriptionGroup::multiplexing)`(`[`Multiplexing::new`](routing::Multiplexing::new)`().connections(N))`: N connections (librdkafka consumers) run the subscription group in this process (Karafka's `multiplexing(max: N)`, static); a literal N below 1 is refused at compile time, an expression when the app is built |
/// | `consumer_group NAME { topics, patterns, subscription groups }` | top level | [`.consumer_group`](routing::Routes::consumer_group)`(`[`ConsumerGroup::new`](routing::ConsumerGroup::new)`(NAME).topic(...)...)` |
/// | `declare NAME`, `declare NAME { partitions: i32, replication_factor: i32, active: bool, config: { "topic.setting": value, ... } }` | top level | [`.declare`](routing::Routes::declare)`(NAME, `[`TopicConfig::new`](routing::TopicConfig::new)`().partitions(n).setting("topic.setting", value)...)`: a topic declared apart from the routes (Karafka's `declaratives.draw`), e.g. one the app only produces to; a literal name is declared once |
/// | `scheduled_messages NAME`, `scheduled_messages NAME { group_id: impl Into<String>, interval: milliseconds or Duration, config: TopicConfig }` | top level | [`.scheduled_messages`](routing::Routes::scheduled_messages)`(`[`ScheduledMessages::new`](routing::ScheduledMessages::new)`(NAME).group_id(g)...)`: a schedules topic, declared compacted and consumed by the built-in consumer in a group of its own ([`scheduled_messages`]); the app's producer schedules onto the first |
/// | `recurring_tasks { group_id: NAME, topic: NAME, logs_topic: NAME, interval: ms or Duration, version: "1.0.0", task NAME { cron: "*/5 * * * *", run: \|run\| async { ... }, enabled: bool, previous_time: SystemTime }, ... }` | top level, once | [`.recurring_tasks`](routing::Routes::recurring_tasks)`(`[`RecurringTasks::new`](recurring_tasks::RecurringTasks::new)`().interval(..).task(`[`Task::new`](recurring_tasks::Task::new)`(NAME).cron(..).run(..))...)`: cron-scheduled tasks, each occurrence run by one process of the group; `cron` is required, a literal task name is declared once |
///
/// Topics outside a `consumer_group` are in the default one, the `group_id` setting.
///
/// # Declarative topics
///
/// The `topics` commands (`create`, `plan`, `migrate`, ...) manage one declaration per topic:
/// a `declare` item or a route's `config` (explicit; two explicit ones of a topic must agree),
/// else Karafka's defaults (1 partition, replication factor 1) for every routed topic and every
/// dead-letter target. Patterns declare nothing. `active: false` in a declaration or a route's
/// `config` leaves the topic to someone else. With the `strict_declarative_topics` setting,
/// [`AppBuilder::build`] refuses routed topics and dead-letter targets that have no explicit,
/// active declaration, naming them.
///
/// # Topic keys
///
/// The keys of a `topic`, `pattern` or `defaults` block, the value each takes, and the
/// [`routing::Topic`] call it becomes. A key is set at most once per block, except `layer`.
///
/// | key | value | becomes |
/// |---|---|---|
/// | `consumer` | a type implementing [`Consumer`] and `Default` | [`.consumer::<Type>()`](routing::Topic::consumer): one `Type::default()` per partition |
/// | `consumer_with` | a closure building a [`Consumer`], `Fn() -> C + Send + Sync + 'static`, e.g. `move \|\| Orders { pool: pool.clone() }` | [`.consumer_with(closure)`](routing::Topic::consumer_with): one call per partition; for consumers with dependencies. Not together with `consumer` |
/// | `jobs` | a list of types implementing [`jobs::Job`], `[SendEmail, ResizeImage]` | [`.job::<SendEmail>().job::<ResizeImage>()`](routing::Topic::job): the topic performs these jobs with the built-in job consumer. Not together with `consumer` or `consumer_with`, not in `defaults` |
/// | `max_messages` | `usize` | [`.max_messages(n)`](routing::Topic::max_messages) |
/// | `max_wait_time` | an integer literal (milliseconds) or a `Duration` | [`.max_wait_time(Duration::from_millis(n))`](routing::Topic::max_wait_time) |
/// | `initial_offset` | `earliest` or `latest` (bare or quoted) | [`.initial_offset(InitialOffset::Earliest)`](routing::Topic::initial_offset) |
/// | `active` | `bool` | [`.active(b)`](routing::Topic::active); an inactive topic is declared (for the `topics` commands) but not consumed, and needs no consumer |
/// | `manual_offset_management` | `bool` | [`.manual_offset_management(b)`](routing::Topic::manual_offset_management) |
/// | `long_running_job` | `bool` | [`.long_running_job(b)`](routing::Topic::long_running_job) |
/// | `kafka` | `{ "librdkafka.property": value, ... }`, each value `impl ToString` | [`.kafka("librdkafka.property", value)`](routing::Topic::kafka) per entry |
/// | `subscription_group` | `impl Into<String>` | [`.subscription_group(name)`](routing::Topic::subscription_group) |
/// | `deserializer` | an [`messages::Deserializer`] for payloads | [`.deserializer(d)`](routing::Topic::deserializer) |
/// | `deserializers` | `{ payload: D, key: D, headers: H }`, each part optional (`D` a [`messages::Deserializer`], `H` a [`messages::HeadersDeserializer`]), or a [`messages::Deserializers`] | [`.deserializers(Deserializers::new().payload(d).key(d).headers(h))`](routing::Topic::deserializers): parts left out keep the defaults' or the built-in ones (JSON payloads, text keys and headers); `payload` not together with `deserializer` |
/// | `layer` (repeatable) | a `tower::Layer` over [`middleware::ConsumerStack`], or an async closure made one with [`middleware::layer_fn`] | [`.layer(l)`](routing::Topic::layer) per entry; the last is the outermost |
/// | `config` | `{ partitions: i32, replication_factor: i32, active: bool, "topic.setting": value, ... }`, or a [`routing::TopicConfig`] | [`.config(TopicConfig::new().partitions(n).setting("topic.setting", value))`](routing::Topic::config): named keys are `TopicConfig` methods, quoted ones `setting`s |
/// | `dead_letter_queue` | `{ topic: NAME, max_retries: u32, independent: bool, strategy: closure }` (`topic: false` to skip), or a [`middleware::DeadLetterQueue`] | [`.dead_letter_queue(DeadLetterQueue::new(topic).max_retries(n)...)`](routing::Topic::dead_letter_queue), `DeadLetterQueue::skip()` for `false`: keys other than `topic` are `DeadLetterQueue` methods |
/// | `virtual_partitions` | `{ partitioner: closure, max_partitions: usize, keyless: Keyless, distribution: Distribution, reducer: closure, streaming: bool }`, or a [`middleware::VirtualPartitions`] such as `VirtualPartitions::by_key()` | [`.virtual_partitions(VirtualPartitions::new(partitioner).max_partitions(n)...)`](routing::Topic::virtual_partitions): keys other than `partitioner` are `VirtualPartitions` methods |
/// | `filter` | a closure `Fn(&Message) -> Verdict + Clone + Send + Sync + 'static` | [`.filter(closure)`](routing::Topic::filter) |
/// | `expire_in` | an integer literal (milliseconds) or a `Duration` | [`.expire_in(ttl)`](routing::Topic::expire_in) |
/// | `delay_by` | an integer literal (milliseconds) or a `Duration` | [`.delay_by(delay)`](routing::Topic::delay_by) |
/// | `throttle` | `{ limit: usize, interval: milliseconds or Duration }` | [`.throttle(limit, interval)`](routing::Topic::throttle) |
#[doc(inline)]
pub use karafka_macros::routes;
pub use messages::{Message, Messages};
pub use offsets::SeekTarget;
pub use processing::RunningJob;
pub use producer::{Producer, Record};
pub use server::{Server, Shutdown};
pub use topic_partition::TopicPartition;

/// Runs the app's command line ([`cli::run_versioned`]) with `--version` showing the calling
/// crate's package name and version next to karafka's. Use it as an app's `main`:
///
/// ```no_run
/// # fn app() -> anyhow::Result<karafka::App> { unimplemented!() }
/// fn main() -> std::process::ExitCode {
///     karafka::run!(app)
/// }
/// ```
///
/// A second argument adds another crate's [`cli::Subcommands`], as `karafka::run!(app,
/// karafka_web::Commands)` adds `web` and `dlq`.
#[macro_export]
macro_rules! run {
    ($app:expr) => {
        $crate::cli::run_versioned(
            env!("CARGO_PKG_NAME"),
            Some(env!("CARGO_PKG_VERSION")),
            $app,
            &$crate::cli::NO_SUBCOMMANDS,
        )
    };
    ($app:expr, $extra:expr) => {
        $crate::cli::run_versioned(
            env!("CARGO_PKG_NAME"),
            Some(env!("CARGO_PKG_VERSION")),
            $app,
            &$extra,
        )
    };
}

/// karafka's version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The error type of consumers and layers: any error that can cross threads.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;
