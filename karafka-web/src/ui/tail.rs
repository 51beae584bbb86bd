//! Reads the reports, errors and commands topics from `now - history` on, and keeps reading
//! live, into the board. Never stops on a bad record: it is logged and skipped.

use std::sync::{Arc, PoisonError};
use std::time::{Duration, Instant};

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
/// How often topics that do not exist yet are looked for.
const RECHECK: Duration = Duration::from_secs(10);

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

/// The web topics still to assign: all of them at first.
fn web_topics(web: &WebConfig) -> Vec<(String, Kind)> {
    vec![
        (web.reports_topic.clone(), Kind::Reports),
        (web.errors_topic.clone(), Kind::Errors),
        (web.commands_topic.clone(), Kind::Commands),
    ]
}

/// Adds to `consumer`'s assignment every partition of the `missing` topics that exist now, from
/// `since_ms` on; returns those assigned and leaves in `missing` those that do not exist yet
/// (the UI may start before any process created them).
async fn assign_existing(
    admin: &Admin,
    consumer: &BaseConsumer,
    missing: &mut Vec<(String, Kind)>,
    since_ms: i64,
) -> Result<Vec<(String, Kind)>, WebError> {
    let kafka = |source| WebError::Kafka {
        what: "assigning the web topics",
        source,
    };
    let mut list = TopicPartitionList::new();
    let mut assigned = Vec::new();
    let mut still_missing = Vec::new();
    // `missing` changes only once every topic is looked up, so a failure loses none.
    for (topic, kind) in missing.iter().cloned() {
        match admin.offsets_for_time(&topic, since_ms).await {
            Ok(offsets) => {
                for (partition, offset) in offsets {
                    list.add_partition_offset(&topic, partition, Offset::Offset(offset))
                        .map_err(kafka)?;
                }
                assigned.push((topic, kind));
            }
            Err(AdminError::UnknownTopic { .. }) => {
                tracing::debug!(topic, "the topic does not exist yet; looking again later");
                still_missing.push((topic, kind));
            }
            Err(error) => return Err(error.into()),
        }
    }
    *missing = still_missing;
    if list.count() > 0 {
        consumer.incremental_assign(&list).map_err(kafka)?;
    }
    Ok(assigned)
}

/// Polls `consumer` into `board` until `stop` is cancelled or `until` (if any) passes.
fn read(
    consumer: &BaseConsumer,
    topics: &[(String, Kind)],
    board: &SharedBoard,
    stop: &CancellationToken,
    until: Option<Instant>,
) {
    while !stop.is_cancelled() && until.is_none_or(|until| Instant::now() < until) {
        match consumer.poll(POLL) {
            None => {}
            Some(Err(error)) => {
                tracing::warn!(%error, "reading the web topics failed; retrying");
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
}

/// Tails the web topics into `board` from `now - web.history` until `stop` is cancelled.
/// Topics that do not exist yet, or could not be looked up, are tried again every 10 s; read
/// errors are logged and reading goes on.
///
/// # Errors
/// [`WebError::Admin`] when the reading consumer cannot be created.
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
    let consumer = Arc::new(admin.reader()?);
    let mut missing = web_topics(&web);
    let mut topics: Vec<(String, Kind)> = Vec::new();
    while !stop.is_cancelled() {
        match assign_existing(&admin, &consumer, &mut missing, since).await {
            Ok(assigned) => topics.extend(assigned),
            // The brokers may be down or starting: the UI serves what it has and tries again.
            Err(error) => tracing::warn!(%error, "the web topics could not be assigned; retrying"),
        }
        let until = (!missing.is_empty()).then(|| Instant::now() + RECHECK);
        // librdkafka's poll blocks: read on a blocking thread.
        let reading = tokio::task::spawn_blocking({
            let (consumer, topics, board, stop) = (
                Arc::clone(&consumer),
                topics.clone(),
                Arc::clone(&board),
                stop.clone(),
            );
            move || read(&consumer, &topics, &board, &stop, until)
        });
        if let Err(error) = reading.await {
            tracing::error!(%error, "the tail of the web topics panicked");
            break;
        }
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
