//! The HTTP endpoint of a running server: `/metrics` (Prometheus) and the health probes
//! `/health/live` and `/health/ready`, on `metrics.address` when `metrics.enabled`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::health::{Probes, Report};
use crate::config::MetricsConfig;
use crate::instrumentation::Metrics;
use crate::Error;

/// What OpenMetrics text is served as.
const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The endpoint's socket, bound before the consumers start so that a taken port fails the start.
pub(crate) struct Bound {
    listener: TcpListener,
    address: SocketAddr,
}

impl Bound {
    /// Listens on `metrics.address`.
    ///
    /// # Errors
    /// [`Error::Config`] when the address is malformed, [`Error::Endpoint`] when it cannot be
    /// listened on.
    pub(crate) async fn bind(config: &MetricsConfig) -> Result<Self, Error> {
        let requested = config.socket_address()?;
        let endpoint_error = |source| Error::Endpoint {
            address: config.address.clone(),
            source,
        };
        let listener = TcpListener::bind(requested).await.map_err(endpoint_error)?;
        let address = listener.local_addr().map_err(endpoint_error)?;
        Ok(Self { listener, address })
    }

    /// Serves the probes and `metrics` until [`Endpoint::stop`].
    pub(crate) fn serve(self, probes: Probes, metrics: Arc<Metrics>) -> Endpoint {
        let stop = CancellationToken::new();
        let state = Arc::new(Served { probes, metrics });
        let router = Router::new()
            .route("/metrics", get(scrape))
            .route("/health/live", get(live))
            .route("/health/ready", get(ready))
            .with_state(state);
        let address = self.address;
        tracing::info!("Serving metrics and health probes on http://{address}");
        let task = tokio::spawn({
            let stop = stop.clone();
            async move {
                let served = axum::serve(self.listener, router)
                    .with_graceful_shutdown(stop.cancelled_owned())
                    .await;
                if let Err(error) = served {
                    tracing::error!(%error, "the metrics endpoint on {address} failed");
                }
            }
        });
        Endpoint { stop, task }
    }
}

/// A serving endpoint.
pub(crate) struct Endpoint {
    stop: CancellationToken,
    task: JoinHandle<()>,
}

impl Endpoint {
    /// Stops serving; requests in flight finish.
    pub(crate) async fn stop(self) {
        self.stop.cancel();
        // The task only ends, it returns nothing to report; a panic in it was logged.
        let _ = self.task.await;
    }
}

struct Served {
    probes: Probes,
    metrics: Arc<Metrics>,
}

/// The metrics, with the figures read from the runtime at scrape time.
async fn scrape(State(served): State<Arc<Served>>) -> Response {
    let now = Instant::now();
    let running = served.probes.running_jobs();
    for group in served.probes.groups() {
        let jobs = running
            .iter()
            .filter(|job| *job.subscription == *group.name)
            .count();
        served.metrics.set_running_jobs(&group.name, jobs);
        served.metrics.set_poll_age(
            &group.name,
            now.saturating_duration_since(group.pulse.last_poll()),
        );
    }
    (
        [(header::CONTENT_TYPE, OPENMETRICS)],
        served.metrics.render(),
    )
        .into_response()
}

async fn live(State(served): State<Arc<Served>>) -> Response {
    answer(served.probes.live())
}

async fn ready(State(served): State<Arc<Served>>) -> Response {
    answer(served.probes.ready())
}

fn answer(report: Report) -> Response {
    let status = if report.healthy() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(report)).into_response()
}
