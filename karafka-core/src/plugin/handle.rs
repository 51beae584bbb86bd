//! What a plugin gets of the server it runs beside.

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use super::Control;
use crate::config::Config;
use crate::producer::Producer;
use crate::routing::RouteDescription;

/// The server as a [`Plugin`](super::Plugin) sees it. Cheap to clone.
#[derive(Clone)]
pub struct ServerHandle {
    control: Control,
    config: Arc<Config>,
    producer: Producer,
    routes: Arc<[RouteDescription]>,
    lifecycle: Lifecycle,
}

/// When a server stops and when its consumers closed, for its plugins.
#[derive(Clone, Default)]
pub(crate) struct Lifecycle {
    pub(crate) stopping: CancellationToken,
    pub(crate) closed: CancellationToken,
}

impl ServerHandle {
    pub(crate) fn new(
        control: Control,
        config: Arc<Config>,
        producer: Producer,
        routes: Arc<[RouteDescription]>,
        lifecycle: Lifecycle,
    ) -> Self {
        Self {
            control,
            config,
            producer,
            routes,
            lifecycle,
        }
    }

    /// The routes the server consumes.
    pub fn routes(&self) -> &[RouteDescription] {
        &self.routes
    }

    /// Commands the server and reports its status.
    pub fn control(&self) -> &Control {
        &self.control
    }

    /// The app's settings.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The app's producer; the server flushes it after its plugins returned.
    pub fn producer(&self) -> &Producer {
        &self.producer
    }

    /// When the server stops and when its consumers closed, for the server that owns them.
    pub(crate) fn lifecycle(&self) -> &Lifecycle {
        &self.lifecycle
    }

    /// Whether the server began to stop.
    pub fn is_stopping(&self) -> bool {
        self.lifecycle.stopping.is_cancelled()
    }

    /// Resolves once the server begins to stop (a signal, [`Control::stop`], or giving up).
    pub async fn stopping(&self) {
        self.lifecycle.stopping.cancelled().await;
    }

    /// Resolves once the consumers closed and left their groups.
    pub async fn closed(&self) {
        self.lifecycle.closed.cancelled().await;
    }
}
