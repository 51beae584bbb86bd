//! `/dead_letters`, `/dead_letters/{topic}` and the replay of a range.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Form;
use karafka::admin::AdminError;
use maud::html;
use serde::Deserialize;

use super::{outcome, unavailable};
use crate::dlq::dead_letter_topics;
use crate::ui::pages::{self, layout::Nav};
use crate::ui::state::Shared;

/// How many dead letters a page shows.
const PAGE: i64 = 50;

/// A 404 for `topic` when it is not the dead-letter topic of a route: only those are listed, and
/// replaying copies messages, so only from those.
fn not_a_dead_letter_topic(shared: &Shared, topic: &str) -> Option<Response> {
    (!dead_letter_topics(&shared.routes).contains_key(topic)).then(|| {
        (
            StatusCode::NOT_FOUND,
            format!("{topic} is not the dead-letter topic of a route"),
        )
            .into_response()
    })
}

/// `/dead_letters`.
pub async fn index(State(shared): State<Arc<Shared>>) -> Response {
    pages::dead_letters::index(&dead_letter_topics(&shared.routes)).into_response()
}

/// The query of a dead-letter topic's page.
#[derive(Debug, Deserialize)]
pub struct Which {
    partition: Option<i32>,
}

/// `/dead_letters/{topic}?partition=`.
pub async fn topic(
    State(shared): State<Arc<Shared>>,
    Path(topic): Path<String>,
    Query(which): Query<Which>,
) -> Response {
    if let Some(refused) = not_a_dead_letter_topic(&shared, &topic) {
        return refused;
    }
    let partition = which.partition.unwrap_or(0);
    let partitions = match shared.admin.partition_count(&topic).await {
        Ok(count) => count,
        // Kafka creates a dead-letter topic with its first dead letter (or `topics migrate`).
        Err(AdminError::UnknownTopic { .. }) => {
            return pages::dead_letters::topic(&pages::dead_letters::Listing {
                topic: &topic,
                partitions: 0,
                partition,
                letters: &[],
                problem: Some(format!("{topic} does not exist yet: no message has failed")),
            })
            .into_response()
        }
        Err(error) => return unavailable(Nav::DeadLetters, &topic, &error.to_string()),
    };
    let listed = async {
        let (low, high) = shared.admin.watermarks(&topic, partition).await?;
        let from = (high - PAGE).max(low);
        if from >= high {
            return Ok(Vec::new());
        }
        shared
            .dead_letters
            .list(&topic, partition, from, usize::try_from(PAGE).unwrap_or(0))
            .await
    }
    .await;
    let (letters, problem) = match listed {
        Ok(letters) => (letters, None),
        Err(error) => (Vec::new(), Some(error.to_string())),
    };
    pages::dead_letters::topic(&pages::dead_letters::Listing {
        topic: &topic,
        partitions,
        partition,
        letters: &letters,
        problem,
    })
    .into_response()
}

/// The form of a replay: offsets `first..=last` of a partition.
#[derive(Debug, Deserialize)]
pub struct ReplayForm {
    partition: i32,
    first: i64,
    last: i64,
}

/// `POST /dead_letters/{topic}/replay`.
pub async fn replay(
    State(shared): State<Arc<Shared>>,
    Path(topic): Path<String>,
    headers: HeaderMap,
    Form(form): Form<ReplayForm>,
) -> Response {
    let back = format!("/dead_letters/{topic}?partition={}", form.partition);
    if let Some(refused) = not_a_dead_letter_topic(&shared, &topic) {
        return refused;
    }
    let result = shared
        .dead_letters
        .replay(&topic, form.partition, form.first, form.last)
        .await
        .map(|replayed| {
            html! {
                p { "Replayed " (replayed.len()) " message(s):" }
                ul.replayed {
                    @for one in &replayed {
                        li data-offset=(one.offset) { (one.offset) " → " (one.to_topic) "/" (one.to_partition) " @ " (one.to_offset) }
                    }
                }
            }
        })
        .map_err(|error| error.to_string());
    outcome(&headers, Nav::DeadLetters, &back, result)
}
