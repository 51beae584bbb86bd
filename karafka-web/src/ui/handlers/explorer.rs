//! `/explorer`, `/explorer/{topic}`, `/explorer/{topic}/{partition}?offset=&time=`.

use std::str::FromStr;
use std::sync::Arc;
use std::time::UNIX_EPOCH;

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use karafka::admin::{Admin, AdminError, SeekTarget};
use serde::Deserialize;

use super::unavailable;
use crate::ui::pages::{self, layout::Nav};
use crate::ui::state::Shared;

/// How many messages a page of the explorer shows.
const PAGE: i64 = 25;

/// `/explorer`.
pub async fn topics(State(shared): State<Arc<Shared>>) -> Response {
    match shared.admin.partition_counts().await {
        Ok(topics) => pages::explorer::topics(&topics).into_response(),
        Err(error) => unavailable(Nav::Explorer, "Explorer", &error.to_string()),
    }
}

/// `/explorer/{topic}`.
pub async fn partitions(State(shared): State<Arc<Shared>>, Path(topic): Path<String>) -> Response {
    match watermarks(&shared.admin, &topic).await {
        Ok(watermarks) => pages::explorer::partitions(&topic, &watermarks).into_response(),
        Err(error) => unavailable(Nav::Explorer, &topic, &error.to_string()),
    }
}

/// The low and high watermarks of every partition of `topic`.
pub(super) async fn watermarks(
    admin: &Admin,
    topic: &str,
) -> Result<Vec<(i32, i64, i64)>, AdminError> {
    let count = admin.partition_count(topic).await?;
    let mut watermarks = Vec::new();
    for partition in 0..count {
        let (low, high) = admin.watermarks(topic, partition).await?;
        watermarks.push((partition, low, high));
    }
    Ok(watermarks)
}

/// The query of a partition's page: where to start.
#[derive(Debug, Deserialize)]
pub struct Jump {
    offset: Option<String>,
    time: Option<String>,
}

/// `time` as milliseconds since the epoch: a number, or an RFC 3339 time.
fn parse_time(time: &str) -> Option<i64> {
    if let Ok(ms) = time.parse() {
        return Some(ms);
    }
    match SeekTarget::from_str(time).ok()? {
        SeekTarget::Time(at) => at
            .duration_since(UNIX_EPOCH)
            .ok()
            .and_then(|since| i64::try_from(since.as_millis()).ok()),
        _ => None,
    }
}

/// `/explorer/{topic}/{partition}`.
pub async fn messages(
    State(shared): State<Arc<Shared>>,
    Path((topic, partition)): Path<(String, i32)>,
    Query(jump): Query<Jump>,
) -> Response {
    let title = format!("{topic}/{partition}");
    let (low, high) = match shared.admin.watermarks(&topic, partition).await {
        Ok(watermarks) => watermarks,
        Err(error) => return unavailable(Nav::Explorer, &title, &error.to_string()),
    };
    let mut problem = None;
    let mut from = (high - PAGE).max(low);
    if let Some(offset) = jump.offset.as_deref().filter(|offset| !offset.is_empty()) {
        match offset.parse::<i64>() {
            Ok(offset) => from = offset.clamp(low, high),
            Err(_) => problem = Some(format!("`{offset}` is not an offset")),
        }
    }
    if let Some(time) = jump.time.as_deref().filter(|time| !time.is_empty()) {
        match parse_time(time) {
            Some(ms) => match shared.admin.offsets_for_time(&topic, ms).await {
                Ok(offsets) => {
                    from = offsets
                        .get(&partition)
                        .copied()
                        .unwrap_or(high)
                        .clamp(low, high)
                }
                Err(error) => problem = Some(error.to_string()),
            },
            None => {
                problem = Some(format!(
                    "`{time}` is not a time: use ms since the epoch or RFC 3339"
                ))
            }
        }
    }
    let count = usize::try_from(PAGE).unwrap_or(0);
    let messages = if from < high {
        match shared
            .admin
            .read_topic(&topic, partition, from, count)
            .await
        {
            Ok(messages) => messages,
            Err(error) => {
                problem = Some(error.to_string());
                Vec::new()
            }
        }
    } else {
        Vec::new()
    };
    pages::explorer::messages(&pages::explorer::Partition {
        topic: &topic,
        partition,
        watermarks: (low, high),
        from,
        page_size: PAGE,
        messages: &messages,
        hidden: &shared.web.hidden_payloads,
        problem,
    })
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_numbers_or_rfc3339() {
        assert_eq!(parse_time("1000"), Some(1000));
        assert_eq!(parse_time("1970-01-01T00:00:01Z"), Some(1000));
        assert_eq!(parse_time("yesterday"), None);
    }
}
