//! Routes: which consumer handles which topic, in which consumer group, with which settings.
//!
//! Built with methods that take and return `Self`; the `routes!` macro expands to these calls.
//!
//! ```
//! use karafka::routing::{ConsumerGroup, Routes, Topic};
//! # use karafka::{async_trait, Consumer, Context};
//! # #[derive(Default)] struct Orders;
//! # #[async_trait] impl Consumer for Orders {
//! #     async fn consume(&mut self, _: &mut Context) -> anyhow::Result<()> { Ok(()) }
//! # }
//! let routes = Routes::new()
//!     .topic(Topic::new("orders").consumer::<Orders>().max_messages(50))
//!     .consumer_group(
//!         ConsumerGroup::new("audit").topic(Topic::new("orders").consumer::<Orders>()),
//!     );
//! ```

mod backoff;
mod consumer_group;
mod declaratives;
mod described;
mod error;
mod multiplexing;
mod pausing;
mod periodic;
mod resolve;
mod scheduled_messages;
mod subscription_group;
mod topic;
mod topic_config;

use crate::recurring_tasks::RecurringTasks;

pub use consumer_group::ConsumerGroup;
pub use described::RouteDescription;
pub use error::RoutingError;
pub use multiplexing::Multiplexing;
pub use pausing::Pausing;
pub use periodic::Periodic;
pub use scheduled_messages::ScheduledMessages;
pub use subscription_group::SubscriptionGroup;
pub use topic::Topic;
pub use topic_config::TopicConfig;

pub(crate) use crate::type_name::short_type_name;
pub(crate) use backoff::Backoff;
pub(crate) use declaratives::DeclaredTopic;
pub(crate) use resolve::{Subscription, TopicRoute};

/// Every route of the app.
#[derive(Default)]
pub struct Routes {
    groups: Vec<ConsumerGroup>,
    default_topics: Vec<Topic>,
    defaults: Topic,
    declared: Vec<(String, TopicConfig)>,
    /// The first topic routed with [`Routes::scheduled_messages`], for the app's producer.
    schedules_topic: Option<String>,
    recurring_tasks: Option<RecurringTasks>,
}

impl Routes {
    /// No routes yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Settings every topic of these routes takes unless it sets its own: `defaults` receives an
    /// empty topic and returns it configured.
    ///
    /// ```
    /// # use karafka::routing::{Routes, Topic};
    /// let routes = Routes::new().defaults(|topic| topic.max_messages(50));
    /// ```
    pub fn defaults(mut self, defaults: impl FnOnce(Topic) -> Topic) -> Self {
        self.defaults = defaults(Topic::default());
        self
    }

    /// Routes `topic` in the default consumer group (the `group_id` setting).
    pub fn topic(mut self, topic: Topic) -> Self {
        self.default_topics.push(topic);
        self
    }

    /// Routes the topics of a named subscription group in the default consumer group.
    pub fn subscription_group(mut self, group: SubscriptionGroup) -> Self {
        self.default_topics.extend(group.into_topics());
        self
    }

    /// Declares a topic apart from any route (Karafka's `declaratives.draw`): a topic the app
    /// produces to, or a dead-letter target with settings of its own. The `topics` commands
    /// create and align it like a routed one; `TopicConfig::active(false)` leaves it alone.
    ///
    /// ```
    /// # use karafka::routing::{Routes, TopicConfig};
    /// let routes = Routes::new().declare(
    ///     "outbox",
    ///     TopicConfig::new().partitions(6).setting("retention.ms", 604_800_000),
    /// );
    /// ```
    pub fn declare(mut self, name: impl Into<String>, config: TopicConfig) -> Self {
        self.declared.push((name.into(), config));
        self
    }

    /// Runs recurring tasks (Karafka Pro's Recurring Tasks): adds their consumer group, which
    /// consumes the schedules topic, and declares that topic (one partition, compacted) for
    /// `topics migrate`. The tasks' cron expressions are checked when the app is built. A later
    /// call replaces an earlier one.
    ///
    /// ```
    /// use karafka::recurring_tasks::{RecurringTasks, Task};
    /// use karafka::routing::Routes;
    ///
    /// let routes = Routes::new().recurring_tasks(
    ///     RecurringTasks::new()
    ///         .task(Task::new("report").cron("0 6 * * *").run(|_| async { Ok(()) })),
    /// );
    /// # let _ = routes;
    /// ```
    pub fn recurring_tasks(mut self, tasks: RecurringTasks) -> Self {
        self.recurring_tasks = Some(tasks);
        self
    }

    /// Adds a consumer group with its own topics. Groups consume independently: each has its own
    /// offsets.
    pub fn consumer_group(mut self, group: ConsumerGroup) -> Self {
        self.groups.push(group);
        self
    }
}
