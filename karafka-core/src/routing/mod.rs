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

mod consumer_group;
mod error;
mod resolve;
mod topic;

pub use consumer_group::ConsumerGroup;
pub use error::RoutingError;
pub use topic::Topic;

pub(crate) use resolve::{SubscriptionGroup, TopicRoute};

/// Every route of the app.
#[derive(Default)]
pub struct Routes {
    groups: Vec<ConsumerGroup>,
    default_topics: Vec<Topic>,
}

impl Routes {
    /// No routes yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Routes `topic` in the default consumer group (the `group_id` setting).
    pub fn topic(mut self, topic: Topic) -> Self {
        self.default_topics.push(topic);
        self
    }

    /// Adds a consumer group with its own topics. Groups consume independently: each has its own
    /// offsets.
    pub fn consumer_group(mut self, group: ConsumerGroup) -> Self {
        self.groups.push(group);
        self
    }
}
