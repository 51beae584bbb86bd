//! The UI, served by axum: pages rendered on the server from what the processes report through
//! Kafka ([`board`], filled by [`tail`]), htmx for live refresh and buttons, no outside URL.
//!
//! Stable selectors for browser tests: `#nav`, `#overview` (`.figure#processes-up[data-value]`,
//! `#partitions`, `#paused`, `#lag`, ...), `#charts figure.chart#chart-throughput[data-latest]`,
//! `#processes section.process[data-process-id][data-up]`, `.process-state[data-state]`,
//! `tr.partition[data-process-id][data-group][data-topic][data-partition][data-lag][data-state]`
//! with `td.lag`, `td.state`, `button[name=command][value=pause/<topic>/<partition>]`,
//! `#answers li.answer`, `#routes tr.route[data-topic]`, `#errors tr.error[data-topic]`,
//! `#dead-letter-topics li.dead-letter-topic`, `tr.dead-letter[data-offset][data-replays]`,
//! `#topics tr.topic`, `#messages tr.message[data-offset]`, `#brokers tr.broker`,
//! `#cluster-topics tr.partition[data-under-replicated]`, `#flash` (command results).

pub mod actions;
mod assets;
pub mod auth;
pub mod board;
pub mod fake;
mod handlers;
pub mod pages;
mod state;
pub mod tail;

use std::future::Future;
use std::sync::{Arc, RwLock};

use axum::routing::{get, post};
use axum::Router;
use karafka::admin::Admin;
use karafka::config::WebConfig;
use karafka::routing::RouteDescription;
use karafka::{App, Config, Producer};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

pub use state::SharedBoard;

use self::auth::{Credentials, Policy};
use self::board::Board;
use self::state::Shared;
use crate::commands::Commander;
use crate::dlq::DeadLetters;
use crate::WebError;

/// The web UI of an app: build it with [`Ui::new`], run it with [`Ui::serve`].
///
/// ```no_run
/// # async fn run(app: karafka::App) -> Result<(), karafka_web::WebError> {
/// karafka_web::Ui::new(&app)?
///     .serve(async {
///         let _ = tokio::signal::ctrl_c().await;
///     })
///     .await
/// # }
/// ```
pub struct Ui {
    shared: Arc<Shared>,
    policy: Arc<Policy>,
}

impl Ui {
    /// The UI of `app`: its `[web]` settings, routes, cluster and producer. Connects to nothing
    /// yet.
    ///
    /// # Errors
    /// [`WebError::Admin`] when the admin client cannot be created.
    pub fn new(app: &App) -> Result<Self, WebError> {
        Self::from_parts(app.config(), app.routes(), app.producer().clone())
    }

    /// The UI of an app's settings, routes and producer (what a server's plugin has of its app).
    ///
    /// # Errors
    /// [`WebError::Admin`] when the admin client cannot be created.
    pub fn from_parts(
        config: &Config,
        routes: Vec<RouteDescription>,
        producer: Producer,
    ) -> Result<Self, WebError> {
        let web = config.web.clone();
        let admin = Admin::new(config)?;
        let shared = Shared {
            board: Arc::new(RwLock::new(Board::new(&web))),
            routes,
            commander: Commander::new(producer.clone(), &web),
            dead_letters: DeadLetters::new(admin.clone(), producer, web.clone()),
            admin,
            web,
        };
        let policy = Policy {
            credentials: Credentials::new(&shared.web),
            protect_pages: shared.web.protect_pages,
        };
        Ok(Self {
            shared: Arc::new(shared),
            policy: Arc::new(policy),
        })
    }

    /// The board the pages show (the tail of [`Ui::serve`] fills it; tests may fill it too).
    pub fn board(&self) -> SharedBoard {
        Arc::clone(&self.shared.board)
    }

    /// The routes, behind the security layer, without listening: for tests and for embedding.
    pub fn router(&self) -> Router {
        let pages = Router::new()
            .route("/", get(handlers::board_pages::dashboard))
            .route("/consumers", get(handlers::board_pages::consumers))
            .route("/routes", get(handlers::board_pages::routes))
            .route("/errors", get(handlers::board_pages::errors))
            .route("/commands", post(handlers::commands::send))
            .route("/dead_letters", get(handlers::dead_letters::index))
            .route("/dead_letters/{topic}", get(handlers::dead_letters::topic))
            .route(
                "/dead_letters/{topic}/replay",
                post(handlers::dead_letters::replay),
            )
            .route("/explorer", get(handlers::explorer::topics))
            .route("/explorer/{topic}", get(handlers::explorer::partitions))
            .route(
                "/explorer/{topic}/{partition}",
                get(handlers::explorer::messages),
            )
            .route("/cluster", get(handlers::cluster::cluster))
            .route("/assets/{*path}", get(assets::serve))
            .with_state(Arc::clone(&self.shared));
        pages.layer(axum::middleware::from_fn_with_state(
            Arc::clone(&self.policy),
            auth::layer,
        ))
    }

    /// Listens on `web.address`, tails the web topics into the board, and serves until `stop`
    /// completes; requests in flight finish.
    ///
    /// # Errors
    /// [`WebError::Config`] when `web.address` is malformed, [`WebError::Bind`] naming
    /// `web.address` when it cannot be listened on.
    pub async fn serve(
        self,
        stop: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), WebError> {
        let listener = bind(&self.shared.web).await?;
        self.serve_on(listener, stop).await
    }

    /// [`Ui::serve`] on a socket already bound with [`bind`].
    ///
    /// # Errors
    /// [`WebError::Bind`] naming `web.address` when serving fails.
    pub async fn serve_on(
        self,
        listener: TcpListener,
        stop: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), WebError> {
        let web = &self.shared.web;
        let bind_error = |source| WebError::Bind {
            address: web.address.clone(),
            source,
        };
        let local = listener.local_addr().map_err(bind_error)?;
        tracing::info!("Serving the web UI on http://{local}");
        let reading = CancellationToken::new();
        let tail = tokio::spawn(tail::run(
            self.shared.admin.clone(),
            web.clone(),
            self.board(),
            reading.clone(),
        ));
        let served = axum::serve(listener, self.router())
            .with_graceful_shutdown(stop)
            .await
            .map_err(bind_error);
        reading.cancel();
        match tail.await {
            Ok(Err(error)) => tracing::error!(%error, "the web topics could not be read"),
            Err(error) => tracing::error!(%error, "the tail of the web topics panicked"),
            Ok(Ok(())) => {}
        }
        served
    }
}

/// Listens on `web.address`.
///
/// # Errors
/// [`WebError::Config`] when `web.address` is malformed, [`WebError::Bind`] naming
/// `web.address` when it cannot be listened on.
pub async fn bind(web: &WebConfig) -> Result<TcpListener, WebError> {
    let address = web.socket_address()?;
    tokio::net::TcpListener::bind(address)
        .await
        .map_err(|source| WebError::Bind {
            address: web.address.clone(),
            source,
        })
}
