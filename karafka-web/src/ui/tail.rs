//! Reads the reports, errors and commands topics from `now - history` on, and keeps reading
//! live, into the board. Never stops on a bad record: it is logged and skipped.

use std::sync::PoisonError;
use std::time::Duration;

use karafka::admin::{Admin, AdminError};
use karafka::config::WebConfig;
use rdkafka::consumer::{BaseConsumer, Consumer as _};
use rdkafka::message::Message as _;
use rdkafka::{Offset, TopicPartitionList};
use tokio_util::sync::CancellationToken;

use super::board::Board;
use super::state::{now_ms, SharedBoard};
use crate::commands::Envelope;
use crate::report::{decode, Decoded, ErrorReport, Report};
use crate::WebError;

/// How long one poll waits, bounding how late a stop is noticed.
const POLL: Duration = Duration::from_millis(200);

/// Which topic a record came from, and so what it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Reports,
    Errors,
    Commands,
}

/// Where a record was, for the logs.
struct Coordinates<'a> {
    topic: &'a str,
    partition: i32,
    offset: i64,
}

/// Decodes `bytes` of `kind` into `board`; what it cannot decode is logged and skipped.
fn apply(board: &mut Board, kind: Kind, bytes: &[u8], at: &Coordinates<'_>) {
    let outcome = match kind {
        Kind::Reports => {
            decode::<Report>(bytes).map(|decoded| feed(decoded, |report| board.add_report(report)))
        }
        Kind::Errors => decode::<ErrorReport>(bytes)
            .map(|decoded| feed(decoded, |error| board.add_error(error))),
        Kind::Commands => decode::<Envelope>(bytes).map(|decoded| {
            feed(decoded, |envelope| {
                if let Envelope::Answer(answer) = envelope {
                    board.add_answer(answer);
                }
            })
        }),
    };
    match outcome {
        Ok(None) => {}
        Ok(Some(schema)) => tracing::debug!(
            topic = at.topic,
            partition = at.partition,
            offset = at.offset,
            schema,
            "skipped a record of another karafka-web format"
        ),
        Err(error) => tracing::warn!(
            topic = at.topic, partition = at.partition, offset = at.offset, %error,
            "skipped a record that is not a karafka-web record"
        ),
    }
}

/// Feeds a current record to `take`; returns the schema of a skipped one.
fn feed<T>(decoded: Decoded<T>, take: impl FnOnce(T)) -> Option<u32> {
    match decoded {
        Decoded::Current(value) => {
            take(value);
            None
        }
        Decoded::Unsupported { schema } => Some(schema),
    }
}

/// The consumer, assigned to every partition of the web topics from `since_ms` on. Topics that
/// do not exist yet are skipped with a warning (no process reported yet).
async fn assigned(
    admin: &Admin,
    web: &WebConfig,
    since_ms: i64,
) -> Result<(BaseConsumer, Vec<(String, Kind)>), WebError> {
    let mut list = TopicPartitionList::new();
    let mut topics = Vec::new();
    for (topic, kind) in [
        (&web.reports_topic, Kind::Reports),
        (&web.errors_topic, Kind::Errors),
        (&web.commands_topic, Kind::Commands),
    ] {
        let offsets = match admin.offsets_for_time(topic, since_ms).await {
            Ok(offsets) => offsets,
            Err(AdminError::UnknownTopic { .. }) => {
                tracing::warn!(
                    topic,
                    "the topic does not exist yet; the UI shows nothing of it"
                );
                continue;
            }
            Err(error) => return Err(error.into()),
        };
        for (partition, offset) in offsets {
            list.add_partition_offset(topic, partition, Offset::Offset(offset))
                .map_err(|source| WebError::Kafka {
                    what: "assigning the web topics",
                    source,
                })?;
        }
        topics.push((topic.clone(), kind));
    }
    let consumer = admin.reader()?;
    consumer.assign(&list).map_err(|source| WebError::Kafka {
        what: "assigning the web topics",
        source,
    })?;
    Ok((consumer, topics))
}

/// Tails the web topics into `board` until `stop` is cancelled.
///
/// # Errors
/// [`WebError::Admin`] or [`WebError::Kafka`] when the topics cannot be assigned; once
/// reading, errors are logged and reading goes on.
pub async fn run(
    admin: Admin,
    web: WebConfig,
    board: SharedBoard,
    stop: CancellationToken,
) -> Result<(), WebError> {
    let history = i64::try_from(web.history.as_millis()).unwrap_or(i64::MAX);
    let since = i64::try_from(now_ms())
        .unwrap_or(i64::MAX)
        .saturating_sub(history);
    let (consumer, topics) = assigned(&admin, &web, since).await?;
    // librdkafka's poll blocks: read on a blocking thread.
    let reading = tokio::task::spawn_blocking(move || {
        while !stop.is_cancelled() {
            match consumer.poll(POLL) {
                None => {}
                Some(Err(error)) => {
                    tracing::warn!(%error, "reading the web topics failed; retrying")
                }
                Some(Ok(message)) => {
                    let Some(kind) = topics
                        .iter()
                        .find(|(topic, _)| topic == message.topic())
                        .map(|(_, kind)| *kind)
                    else {
                        continue;
                    };
                    let at = Coordinates {
                        topic: message.topic(),
                        partition: message.partition(),
                        offset: message.offset(),
                    };
                    let mut board = board.write().unwrap_or_else(PoisonError::into_inner);
                    apply(&mut board, kind, message.payload().unwrap_or_default(), &at);
                }
            }
        }
    });
    if let Err(error) = reading.await {
        tracing::error!(%error, "the tail of the web topics panicked");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::fake;

    const AT: Coordinates<'static> = Coordinates {
        topic: "t",
        partition: 0,
        offset: 1,
    };

    #[test]
    fn reports_errors_and_answers_reach_the_board_and_junk_is_skipped() {
        let mut board = Board::with_window(5_000, 60_000);
        let report = serde_json::to_vec(&fake::report(0, 2, 1_000, 0)).unwrap_or_default();
        let error = serde_json::to_vec(&fake::error(0, 1_000)).unwrap_or_default();
        let answer = br#"{"type":"answer","schema":1,"command_id":"c","process_id":"p","answered_at":1,"ok":true,"detail":"done"}"#;
        apply(&mut board, Kind::Reports, &report, &AT);
        apply(&mut board, Kind::Errors, &error, &AT);
        apply(&mut board, Kind::Commands, answer, &AT);
        for junk in [&b"not json"[..], br#"{"schema": 99}"#, b""] {
            apply(&mut board, Kind::Reports, junk, &AT);
            apply(&mut board, Kind::Commands, junk, &AT);
        }
        assert_eq!(board.processes().count(), 1);
        assert_eq!(board.errors(None).count(), 1);
        assert_eq!(board.answers().count(), 1);
    }
}
