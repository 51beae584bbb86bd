//! `/cluster`.

use std::sync::Arc;

use axum::extract::State;
use axum::response::{IntoResponse, Response};

use super::unavailable;
use crate::ui::pages::{self, layout::Nav};
use crate::ui::state::Shared;

/// `/cluster`.
pub async fn cluster(State(shared): State<Arc<Shared>>) -> Response {
    match shared.admin.cluster().await {
        Ok(cluster) => pages::cluster::render(&cluster).into_response(),
        Err(error) => unavailable(Nav::Cluster, "Cluster", &error.to_string()),
    }
}
