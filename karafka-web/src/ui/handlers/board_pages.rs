//! The pages drawn from the board alone: dashboard, consumers, errors; and the routes.

use std::sync::Arc;

use axum::extract::{Query, State};
use maud::Markup;
use serde::Deserialize;

use crate::ui::pages;
use crate::ui::state::{now_ms, Shared};

/// `/`.
pub async fn dashboard(State(shared): State<Arc<Shared>>) -> Markup {
    pages::dashboard::render(&shared.board(), now_ms())
}

/// `/consumers`.
pub async fn consumers(State(shared): State<Arc<Shared>>) -> Markup {
    pages::consumers::render(&shared.board(), now_ms())
}

/// `/routes`.
pub async fn routes(State(shared): State<Arc<Shared>>) -> Markup {
    pages::routes::render(&shared.routes)
}

/// The query of `/errors`.
#[derive(Debug, Deserialize)]
pub struct ErrorsQuery {
    topic: Option<String>,
}

/// `/errors?topic=`.
pub async fn errors(State(shared): State<Arc<Shared>>, Query(query): Query<ErrorsQuery>) -> Markup {
    let topic = query.topic.as_deref().filter(|topic| !topic.is_empty());
    pages::errors::render(&shared.board(), topic)
}
