//! The HTTP endpoints, beside the consumers: `GET /count`, `GET /status`, `POST /quiet`.

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use karafka::plugin::{Control, ServerStatus};
use serde_json::{json, Value};

use crate::counter::Counter;

/// What the handlers share.
#[derive(Clone)]
struct Shared {
    consumed: Counter,
    control: Control,
}

/// The application's routes.
pub fn router(consumed: Counter, control: Control) -> Router {
    Router::new()
        .route("/count", get(count))
        .route("/status", get(status))
        .route("/quiet", post(quiet))
        .with_state(Shared { consumed, control })
}

async fn count(State(shared): State<Shared>) -> String {
    shared.consumed.get().to_string()
}

async fn status(State(shared): State<Shared>) -> Json<Value> {
    Json(describe(&shared.control.status()))
}

/// Quiet mode; the answer is the status right after asking, `quieting` while jobs still run.
async fn quiet(State(shared): State<Shared>) -> Json<Value> {
    shared.control.quiet();
    Json(describe(&shared.control.status()))
}

/// `status` as JSON.
fn describe(status: &ServerStatus) -> Value {
    json!({
        "state": status.state.to_string(),
        "groups": status.groups.iter().map(|group| json!({
            "name": group.name,
            "joined": group.joined,
            "partitions": group
                .partitions
                .iter()
                .map(|owned| owned.partition.to_string())
                .collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "jobs": status.jobs.iter().map(|job| json!({
            "consumer": job.consumer,
            "topic": job.topic,
            "partition": job.partition,
            "first_offset": job.first_offset,
            "last_offset": job.last_offset,
            "running_ms": u64::try_from(job.started.elapsed().as_millis()).unwrap_or(u64::MAX),
        })).collect::<Vec<_>>(),
    })
}
