//! Made-up reports: N processes × M partitions, for tests, benchmarks and demos.

use crate::report::{
    Counters, ErrorReport, GroupReport, JobReport, PartitionReport, PartitionState, ProcessInfo,
    ProcessState, Report, SCHEMA,
};

/// The report of made-up process `index` of `processes`, at `at_ms`, holding `partitions`
/// partitions of topic `fake-<index % 4>`, having consumed `messages`.
pub fn report(index: usize, partitions: usize, at_ms: u64, messages: u64) -> Report {
    let topic = format!("fake-{}", index % 4);
    let partitions: Vec<PartitionReport> = (0..partitions)
        .map(|partition| {
            let number = i32::try_from(partition).unwrap_or(i32::MAX);
            let committed = (messages as i64) / 10 + i64::from(number);
            let lag = i64::from(number % 7) * 3;
            PartitionReport {
                topic: topic.clone(),
                partition: number,
                lag: Some(lag),
                stored_lag: Some(lag / 2),
                committed_offset: Some(committed),
                stored_offset: Some(committed + lag / 2),
                high_watermark: Some(committed + lag),
                state: match partition % 50 {
                    1 => PartitionState::Paused,
                    2 => PartitionState::Held,
                    3 => PartitionState::Retrying { attempt: 2 },
                    _ => PartitionState::Running,
                },
            }
        })
        .collect();
    let group = format!("app/group-{}", index % 3);
    Report {
        schema: SCHEMA,
        dispatched_at: at_ms,
        process: ProcessInfo {
            id: format!("host-{index}:{}:1000", 100 + index),
            host: format!("host-{index}"),
            pid: 100 + u32::try_from(index).unwrap_or(0),
            started_at: at_ms.saturating_sub(60_000),
            rss_bytes: 64 << 20,
            state: ProcessState::Running,
            concurrency: 5,
            report_interval_ms: 5_000,
            version: env!("CARGO_PKG_VERSION").into(),
        },
        jobs: vec![JobReport {
            group: group.clone(),
            consumer: "FakeConsumer".into(),
            topic: topic.clone(),
            partition: 0,
            running_ms: 1_250,
            long_running: false,
        }],
        groups: vec![GroupReport {
            name: group,
            consumer_group: "app".into(),
            poll_age_ms: 120,
            joined: true,
            partitions,
        }],
        counters: Counters {
            messages,
            batches: messages / 10,
            errors: messages / 1_000,
            retries: 0,
            dead_letters: 0,
        },
    }
}

/// A made-up error of process `index` at `at_ms`.
pub fn error(index: usize, at_ms: u64) -> ErrorReport {
    ErrorReport {
        schema: SCHEMA,
        process_id: format!("host-{index}:{}:1000", 100 + index),
        occurred_at: at_ms,
        kind: "consumer.consume".into(),
        group: Some("app/group-0".into()),
        consumer: Some("FakeConsumer".into()),
        topic: Some(format!("fake-{}", index % 4)),
        partition: Some(0),
        first_offset: Some(10),
        last_offset: Some(12),
        error: "the order has no customer: missing field `customer`".into(),
    }
}

/// A board of `processes` × `partitions` reporting every 5 s for the minute before `now_ms`,
/// with an error every report.
pub fn board(processes: usize, partitions: usize, now_ms: u64) -> super::board::Board {
    let mut board = super::board::Board::with_window(5_000, 3_600_000);
    for step in 0..12u64 {
        let at = now_ms.saturating_sub(60_000) + step * 5_000;
        for index in 0..processes {
            board.add_report(report(
                index,
                partitions,
                at,
                step * 1_000 * (index as u64 + 1),
            ));
        }
        board.add_error(error(step as usize, at));
    }
    board
}
