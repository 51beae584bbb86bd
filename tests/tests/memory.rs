//! `max_memory` against the real broker: a process over 64 partitions whose handlers never keep
//! up holds no more than its budget ahead of them, where the same process without the setting
//! prefetches the whole backlog.

use std::time::Duration;

use karafka::{Producer, Record};
use karafka_integration_tests::{config, create_topic, unique, wait_for, Probe};

const PARTITIONS: i32 = 64;
/// 1 MiB of 1 KiB messages in each partition: 64 MiB in all, four times the budget.
const PER_PARTITION: usize = 1024;
const MESSAGE: usize = 1024;
/// The producer's record batches (Kafka's Java producer's default `batch.size`): a fetch returns
/// at least one whole batch, so a batch larger than a partition's share would overshoot it.
const RECORD_BATCH: usize = 16 * 1024;
const BUDGET_MIB: u64 = 16;
const MAX_MESSAGES: u64 = 10;
/// What librdkafka keeps per prefetched message beyond its bytes (its op and message structs),
/// as ARCHITECTURE.md states it in the bound.
const PER_MESSAGE_OVERHEAD: u64 = 512;

/// The process's peak resident memory (`VmHWM`), in bytes.
fn peak_rss(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("process status");
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<u64>()
                .ok()
        })
        .map(|kib| kib * 1024)
        .unwrap_or_else(|| panic!("VmHWM in /proc/{pid}/status"))
}

/// A consumer of `topic` whose handlers take a minute per message, so it only prefetches.
fn stuck_consumer(topic: &str, env: &[(&str, &str)]) -> Probe {
    let max_messages = MAX_MESSAGES.to_string();
    let mut env = env.to_vec();
    env.extend([
        ("PROBE_SLEEP_MS", "60000"),
        ("KARAFKA_MAX_MESSAGES", max_messages.as_str()),
    ]);
    Probe::spawn(
        env!("CARGO_BIN_EXE_probe"),
        topic,
        &unique("memory-group"),
        &env,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_memory_bounds_the_prefetch_of_64_partitions() {
    let topic = unique("memory");
    let empty = unique("memory-empty");
    create_topic(&topic, PARTITIONS).await;
    create_topic(&empty, PARTITIONS).await;
    let payload = vec![b'x'; MESSAGE];
    let records: Vec<Record> = (0..PARTITIONS)
        .flat_map(|partition| (0..PER_PARTITION).map(move |_| partition))
        .map(|partition| Record::new(&topic, payload.clone()).partition(partition))
        .collect();
    Producer::new(&config("producer").kafka("batch.size", RECORD_BATCH))
        .expect("producer")
        .produce_many_sync(records)
        .await
        .expect("backlog produced");

    let budget = format!("{BUDGET_MIB} MiB");
    let limited_env = [("KARAFKA_MAX_MEMORY", budget.as_str())];
    // The same process with nothing to prefetch: what it takes without messages.
    let idle = stuck_consumer(&empty, &limited_env);
    let limited = stuck_consumer(&topic, &limited_env);
    let unlimited = stuck_consumer(&topic, &[]);
    for probe in [&idle, &limited, &unlimited] {
        probe
            .wait_log("Assigned partitions", Duration::from_secs(60))
            .await;
    }
    limited
        .wait_log(
            "max_memory 16.0 MiB shared by 64 partition(s)",
            Duration::from_secs(1),
        )
        .await;

    // The bound ARCHITECTURE.md states: the idle process, the budget with librdkafka's
    // per-message overhead, and one batch per partition gathered for a job slot.
    let budget = BUDGET_MIB << 20;
    let prefetched_messages = budget / MESSAGE as u64;
    let batches = PARTITIONS as u64 * MAX_MESSAGES * (MESSAGE as u64 + PER_MESSAGE_OVERHEAD);
    let allowance = budget + prefetched_messages * PER_MESSAGE_OVERHEAD + batches;

    // Without the setting the backlog comes in, well past the bound: the bound says something.
    let mut unlimited_peak = 0;
    wait_for(
        Duration::from_secs(60),
        "the unlimited consumer's prefetch",
        || {
            let idle_peak = peak_rss(idle.id());
            unlimited_peak = peak_rss(unlimited.id());
            unlimited_peak > idle_peak + allowance + (16 << 20)
        },
    )
    .await;
    // Every partition of the limited consumer has had the time to fill its share.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let idle_peak = peak_rss(idle.id());
    let limited_peak = peak_rss(limited.id());
    eprintln!(
        "peak RSS: idle {} MiB, limited {} MiB (allowed {} MiB above idle), unlimited {} MiB",
        idle_peak >> 20,
        limited_peak >> 20,
        allowance >> 20,
        unlimited_peak >> 20
    );
    assert!(
        limited_peak <= idle_peak + allowance,
        "with max_memory {BUDGET_MIB} MiB the peak RSS is {limited_peak} B, over the idle \
         process's {idle_peak} B by more than {allowance} B"
    );
    for probe in [idle, limited, unlimited] {
        probe.signal("KILL");
    }
}
