//! Test karafka consumers without a broker, as Ruby's karafka-testing does for Karafka.
//!
//! A [`TestApp`] runs an app's real routes (each topic's consumer, filters, dead-letter queue,
//! virtual partitions and layers, in the server's own coordinators) on an in-memory Kafka. The
//! test produces records, consumes a topic, and looks at what was committed, what the app
//! produced and the consumer instances themselves. Time is virtual: run the test with tokio's
//! paused clock and a 30 s backoff costs no real time.
//!
//! ```
//! use karafka::routing::{Routes, Topic};
//! use karafka::{async_trait, App, Config, Consumer, Context};
//! use karafka_testing::TestApp;
//!
//! #[derive(Default)]
//! struct OrdersConsumer {
//!     total: u64,
//! }
//!
//! #[async_trait]
//! impl Consumer for OrdersConsumer {
//!     async fn consume(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
//!         for message in ctx.messages() {
//!             let order: serde_json::Value = message.payload()?;
//!             self.total += order["amount"].as_u64().unwrap_or(0);
//!         }
//!         Ok(())
//!     }
//! }
//!
//! # fn app() -> anyhow::Result<App> {
//! #     Ok(App::builder()
//! #         .config(Config::default().kafka("bootstrap.servers", "127.0.0.1:9092"))
//! #         .routes(Routes::new().topic(Topic::new("orders").consumer::<OrdersConsumer>()))
//! #         .build()?)
//! # }
//! // In a test: `#[tokio::test(start_paused = true)] async fn totals_the_orders() ...`
//! async fn totals_the_orders() -> anyhow::Result<()> {
//!     let app = TestApp::new(app()?);
//!     app.produce("orders", serde_json::json!({"id": 1, "amount": 5})).key("k1");
//!     app.produce("orders", serde_json::json!({"id": 2, "amount": 7})).key("k1");
//!     app.consume("orders").await?;
//!     assert_eq!(app.committed("orders", 0), Some(2));
//!     assert_eq!(app.consumer::<OrdersConsumer>("orders", 0)?.total, 12);
//!     assert!(app.produced("orders_dlq").is_empty());
//!     Ok(())
//! }
//! # tokio::runtime::Builder::new_current_thread().enable_all().start_paused(true).build()
//! #     .unwrap().block_on(totals_the_orders()).unwrap();
//! ```

mod produce;

use karafka::jobs::Jobs;
use karafka::messages::Message;
use karafka::producer::Producer;
use karafka::testing::TestRuntime;
use karafka::{App, Consumer};
use serde::Serialize;

pub use karafka::testing::{ConsumerGuard, TestError};
pub use produce::Produce;

/// An app's consumers on an in-memory Kafka, driven by the test; see the crate documentation.
pub struct TestApp {
    runtime: TestRuntime,
}

impl TestApp {
    /// Runs `app`'s routes on an in-memory Kafka. The topics its routes declare exist with
    /// their partitions (`config: { partitions: n }`); other topics get one partition on first
    /// use. Call it inside `#[tokio::test(start_paused = true)]`.
    ///
    /// # Panics
    /// Outside a Tokio runtime, saying so; [`TestApp::try_new`] returns the error instead.
    pub fn new(app: App) -> Self {
        match Self::try_new(app) {
            Ok(app) => app,
            Err(error) => panic!("{error}"),
        }
    }

    /// Like [`TestApp::new`].
    ///
    /// # Errors
    /// [`TestError::NoRuntime`] outside a Tokio runtime.
    pub fn try_new(app: App) -> Result<Self, TestError> {
        Ok(Self {
            runtime: TestRuntime::new(app)?,
        })
    }

    /// Produces `payload` as JSON to `topic` when the returned [`Produce`] is dropped (at the
    /// end of the statement); set its key, partition or headers on the way.
    pub fn produce(&self, topic: &str, payload: impl Serialize) -> Produce<'_> {
        Produce::json(&self.runtime, topic, &payload)
    }

    /// Like [`TestApp::produce`], with raw bytes (`None` for a tombstone).
    pub fn produce_raw(&self, topic: &str, payload: Option<Vec<u8>>) -> Produce<'_> {
        Produce::raw(&self.runtime, topic, payload)
    }

    /// Consumes what was produced to `topic` through its real stack, until every partition
    /// handled it or paused. Virtual time passes as the jobs need (backoffs, pauses, delays).
    ///
    /// # Errors
    /// [`TestError::NotRouted`], [`TestError::NothingProduced`], [`TestError::ShutDown`] after
    /// [`TestApp::shutdown`]; [`TestError::Failed`] when a job failed and its partition waits to
    /// retry (call `consume` again to retry it);
    /// [`TestError::NotSettled`] when a job never ends.
    pub async fn consume(&self, topic: &str) -> Result<(), TestError> {
        self.runtime.consume(topic).await
    }

    /// The committed offset of `topic`/`partition` (the next offset a restart would read), in
    /// the first consumer group routing it; `None` when nothing was committed.
    pub fn committed(&self, topic: &str, partition: i32) -> Option<i64> {
        self.runtime.committed(topic, partition)
    }

    /// [`TestApp::committed`] in consumer group `group`.
    pub fn committed_in(&self, group: &str, topic: &str, partition: i32) -> Option<i64> {
        self.runtime.committed_in(Some(group), topic, partition)
    }

    /// Every record the app produced to `topic` (from consumer code, dead-letter dispatches, the
    /// app's producer), not the test's own.
    pub fn produced(&self, topic: &str) -> Vec<Message> {
        self.runtime.produced(topic)
    }

    /// The consumer instance of `topic`/`partition` (the first one under virtual partitions),
    /// the one that persists across batches; locked while the guard lives.
    ///
    /// # Errors
    /// [`TestError::NotRouted`], [`TestError::WrongConsumer`] when `C` is not the topic's
    /// consumer, [`TestError::NotAssigned`] before the topic was consumed.
    pub fn consumer<C: Consumer>(
        &self,
        topic: &str,
        partition: i32,
    ) -> Result<ConsumerGuard<C>, TestError> {
        let mut instances = self.runtime.consumers::<C>(topic, partition)?;
        // `consumers` returns at least one instance, or an error.
        Ok(instances.swap_remove(0))
    }

    /// Every consumer instance of `topic`/`partition`: one per virtual partition.
    ///
    /// # Errors
    /// As [`TestApp::consumer`].
    pub fn consumers<C: Consumer>(
        &self,
        topic: &str,
        partition: i32,
    ) -> Result<Vec<ConsumerGuard<C>>, TestError> {
        self.runtime.consumers(topic, partition)
    }

    /// Takes `topic`/`partition` away as a rebalance does (a running job finishes first unless
    /// the route runs long jobs; the `revoked` hook runs); the next `consume` assigns it again.
    ///
    /// # Errors
    /// [`TestError::NotRouted`], [`TestError::NotSettled`].
    pub async fn revoke(&self, topic: &str, partition: i32) -> Result<(), TestError> {
        self.runtime.revoke(topic, partition).await
    }

    /// Stops like the server's graceful shutdown: `shutdown` hooks run, marks are committed.
    /// `true` when every job finished within `shutdown_timeout`.
    pub async fn shutdown(&self) -> bool {
        self.runtime.shutdown().await
    }

    /// Enqueues background jobs ([`karafka::jobs`]) to the in-memory topics, as
    /// [`App::jobs`] does on Kafka; [`TestApp::consume`] of the jobs topic performs them.
    ///
    /// ```
    /// # use karafka::jobs::{Job, JobContext};
    /// # use karafka::{async_trait, routes, App, Config};
    /// # use karafka_testing::TestApp;
    /// #[derive(serde::Serialize, serde::Deserialize)]
    /// struct SendEmail {
    ///     to: String,
    /// }
    ///
    /// #[async_trait]
    /// impl Job for SendEmail {
    ///     async fn perform(&self, _: &mut JobContext<'_>) -> anyhow::Result<()> {
    ///         Ok(())
    ///     }
    /// }
    ///
    /// # async fn sends() -> anyhow::Result<()> {
    /// # let app = App::builder()
    /// #     .config(Config::default().kafka("bootstrap.servers", "127.0.0.1:9092"))
    /// #     .routes(routes! { jobs "mailers" => [SendEmail] })
    /// #     .build()?;
    /// let app = TestApp::new(app);
    /// app.jobs().enqueue(&SendEmail { to: "ada@example.com".into() }).await?;
    /// app.consume("mailers").await?;
    /// assert_eq!(app.committed("mailers", 0), Some(1));
    /// # Ok(()) }
    /// # tokio::runtime::Builder::new_current_thread().enable_all().start_paused(true).build()
    /// #     .unwrap().block_on(sends()).unwrap();
    /// ```
    pub fn jobs(&self) -> Jobs {
        self.runtime.jobs()
    }

    /// The app's producer, writing to the in-memory topics (hand it to code under test).
    pub fn producer(&self) -> &Producer {
        self.runtime.producer()
    }
}
