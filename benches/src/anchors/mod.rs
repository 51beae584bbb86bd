//! Scenario 11, anchors: each backlog of 100 B, 1 KB and 10 KB payloads on 1, 6 and 24
//! partitions consumed, in the same invocation, by karafka (pass-through), the rust-rdkafka loop
//! of the other scenarios, a raw librdkafka batch loop (the ceiling of the dependency) and
//! Kafka's Java `ConsumerPerformance`; each in a child process with a fresh group.

mod java;
pub(crate) mod raw_librdkafka;

use crate::backlog::{Backlog, Keys, Payload};
use crate::report::{Anchored, Table};
use crate::spec::{Implementation, Workload};
use crate::{median, median_by, Measure};

/// Payload sizes in bytes, each with its backlogs' name and message counts (full, `--quick`):
/// a full run lasts one to a few seconds per consumer, so start-up costs little of its CPU
/// time, and no partition holds more than the broker's 2 GB retention; a quick one lasts a
/// fraction of a second.
const PAYLOADS: [(usize, &str, u64, u64); 3] = [
    (100, "100b", 2_000_000, 200_000),
    (1_000, "1kb", 1_500_000, 50_000),
    (10_000, "10kb", 150_000, 5_000),
];
/// Partition counts of the backlogs.
const PARTITIONS: [i32; 3] = [1, 6, 24];

/// The scenario's backlogs, small first.
pub(crate) fn backlogs(quick: bool) -> Vec<Backlog> {
    PAYLOADS
        .iter()
        .flat_map(|&(bytes, name, full, small)| {
            PARTITIONS.iter().map(move |&partitions| Backlog {
                name,
                partitions,
                messages: if quick { small } else { full },
                payload: Payload::Filler(bytes),
                keys: Keys::None,
            })
        })
        .collect()
}

/// Whether the targets apply: 100 B on 1 and 6 partitions; the others are reported.
fn targeted(backlog: &Backlog) -> bool {
    backlog.payload == Payload::Filler(100) && backlog.partitions <= 6
}

/// Measures every backlog with karafka and its three anchors, `repeat` runs each (the median
/// counts), and adds a line per backlog to `table`.
pub(crate) fn scenario_11(
    table: &mut Table,
    repeat: usize,
    quick: bool,
    bootstrap: &str,
    measure: &Measure<'_>,
) -> anyhow::Result<()> {
    let start = java::start_up()?;
    table.note(format!(
        "Scenario 11: a JVM that starts and stops (`ConsumerPerformance --version`) takes \
         {:.2} CPU s and {:.0} MB: part of every Java figure's CPU s/M (its share is that over \
         the backlog's millions of messages).",
        start.cpu_seconds,
        start.peak_rss_kb as f64 / 1024.0
    ));
    for backlog in backlogs(quick) {
        let (topic, messages) = (backlog.topic(), backlog.messages);
        let run = |implementation| {
            median(repeat, || {
                measure(implementation, Workload::Noop, topic.clone(), messages)
            })
        };
        let karafka = run(Implementation::Karafka)?;
        let rust_rdkafka = run(Implementation::Baseline)?;
        let raw = run(Implementation::RawBatch)?;
        let java = median_by(repeat, || java::run(bootstrap, &topic, messages))?;
        table.anchor(Anchored {
            backlog: format!(
                "{}, {} partition(s), {messages} messages",
                backlog.payload, backlog.partitions
            ),
            targeted: targeted(&backlog),
            karafka,
            rust_rdkafka,
            raw,
            java,
        });
    }
    Ok(())
}
