use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use super::recorder::{produce, recorded, runtime_of, Script};
use crate::instrumentation::{Batch, ErrorKind, Event, FailedJob};
use crate::middleware::DeadLetterQueue;
use crate::routing::Routes;
use crate::{App, TopicPartition};

#[tokio::test(start_paused = true)]
async fn a_failing_message_yields_error_pause_retry_then_dispatch_then_consumed_in_order() {
    let (topic, _) = recorded(
        "payments",
        Script {
            fail_at: Some(1),
            fail_attempts: u32::MAX,
            marks_each: true,
            ..Script::default()
        },
    );
    let events = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&events);
    let runtime = runtime_of(
        App::builder()
            .routes(Routes::new().topic(
                topic.dead_letter_queue(DeadLetterQueue::new("payments_dlq").max_retries(1)),
            ))
            .listener(move |event: &Event| {
                seen.lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(event.clone());
            }),
    );
    produce(&runtime, "payments", 3);
    assert!(runtime.consume("payments").await.is_err());
    runtime.consume("payments").await.expect("dispatched");

    let partition = TopicPartition::new("payments", 0);
    let batch = |first_offset, attempt| Batch {
        group: "app/default".to_owned(),
        consumer: "Recorder",
        partition: partition.clone(),
        first_offset,
        last_offset: 2,
        size: usize::try_from(3 - first_offset).unwrap_or(0),
        attempt,
    };
    let error = Event::ErrorOccurred {
        kind: ErrorKind::Consume,
        partition: Some(partition.clone()),
        offset: Some(1),
        error: "offset 1 failed".to_owned(),
        job: Some(FailedJob {
            batch: batch(0, 1),
            duration: Duration::ZERO,
        }),
    };
    let dispatched = Event::DeadLetterDispatched {
        source: partition.clone(),
        offset: 1,
        topic: "payments_dlq".to_owned(),
        dead_letter_partition: 0,
        dead_letter_offset: 0,
        attempts: 2,
        reason: "offset 1 failed".to_owned(),
    };
    let expected = [
        Event::PartitionsAssigned {
            group: "app/default".to_owned(),
            partitions: vec![partition.clone()],
        },
        Event::ConsumeStarted { batch: batch(0, 1) },
        error,
        Event::Retry {
            partition: partition.clone(),
            offset: 1,
            attempt: 2,
            backoff: Duration::from_secs(1),
        },
        Event::Paused {
            partition: partition.clone(),
            offset: 1,
            timeout: Duration::from_secs(1),
            manual: false,
        },
        Event::Resumed {
            partition: partition.clone(),
        },
        Event::ConsumeStarted { batch: batch(1, 2) },
        dispatched,
    ];
    // Jobs are timed by the real clock: a failed job's duration is not the test's to know.
    let events: Vec<Event> = events
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .iter()
        .cloned()
        .map(|mut event| {
            if let Event::ErrorOccurred { job: Some(job), .. } = &mut event {
                job.duration = Duration::ZERO;
            }
            event
        })
        .collect();
    assert_eq!(
        events.get(..expected.len()),
        Some(&expected[..]),
        "{events:#?}"
    );
    // The rest of the batch after the dispatch, then the job's success.
    let retried = batch(1, 2);
    assert!(
        matches!(
            events.get(expected.len()),
            Some(Event::Consumed { batch, .. }) if *batch == retried
        ),
        "{events:#?}"
    );
}
