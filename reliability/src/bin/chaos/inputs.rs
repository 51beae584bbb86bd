//! What the subjects are given: the messages, and the settings they must refuse.

use std::collections::HashMap;
use std::process::Command;
use std::time::{Duration, Instant};

use karafka::{Config, Producer, Record};
use karafka_reliability::history::Produced;

use crate::scenarios::{Fault, BIG_PAYLOAD, KEYS};
use crate::subjects::Subjects;

/// Settings a subject must refuse at start, and the name its error must give.
pub(crate) const INVALID_SETTINGS: &[(&str, &str, &str)] = &[
    (
        "KARAFKA_KAFKA__SESSION_TIMEOUT_MS",
        "soon",
        "session.timeout.ms",
    ),
    (
        "KARAFKA_KAFKA__ENABLE_AUTO_OFFSET_STORE",
        "true",
        "enable.auto.offset.store",
    ),
    ("KARAFKA_CONCURRENCY", "0", "concurrency"),
    ("KARAFKA_MAX_WAIT_TIME", "later", "max_wait_time"),
];

/// Starts a subject with each invalid setting; each must exit at once with code 1 and an error
/// naming the setting.
pub(crate) fn invalid_settings(subjects: &Subjects) -> anyhow::Result<Vec<String>> {
    let mut problems = Vec::new();
    for (name, value, named) in INVALID_SETTINGS {
        let output = Command::new(&subjects.binary)
            .arg("server")
            .current_dir(&subjects.dir)
            .envs(subjects.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .env(name, value)
            .env("RELIABILITY_LOG", subjects.dir.join("refused.log"))
            .output()?;
        let stderr = String::from_utf8_lossy(&output.stderr);
        if output.status.code() != Some(1) || !stderr.contains(named) {
            problems.push(format!(
                "bad input: {name}={value} gave {} and {stderr:?}, not an error naming `{named}`",
                output.status
            ));
        }
    }
    Ok(problems)
}

/// Produces `count` keyed messages at `rate` per second. For the dead-letter scenarios every
/// 97th message is poison (it always fails); for bad input every 50th is bad in one of several
/// ways. Returns what the broker acknowledged.
pub(crate) async fn produce(
    config: Config,
    topic: String,
    count: usize,
    rate: u64,
    fault: Fault,
) -> anyhow::Result<Vec<Produced>> {
    let bad_input = fault == Fault::BadInput;
    let producer = Producer::new(&config)?;
    let started = Instant::now();
    let mut seqs: HashMap<u32, u64> = HashMap::new();
    let mut pending = Vec::new();
    for index in 0..count {
        let due = started + Duration::from_micros(index as u64 * 1_000_000 / rate.max(1));
        tokio::time::sleep_until(due.into()).await;
        let key = (index as u32 * 7919) % KEYS;
        let seq = {
            let seq = seqs.entry(key).or_insert(0);
            *seq += 1;
            *seq - 1
        };
        let poisoned =
            matches!(fault, Fault::BadInput | Fault::DeadLetterOutage) && index % 97 == 13;
        let keyed = |record: Record| record.key(format!("k{key}"));
        let good = || {
            Record::json(
                &topic,
                &serde_json::json!({"key": key, "seq": seq, "poison": poisoned}),
            )
            .map(keyed)
        };
        let (record, doomed) = match (bad_input && index % 50 == 7).then_some((index / 50) % 4) {
            Some(0) => (keyed(Record::new(&topic, "{not json")), true),
            Some(1) => (keyed(Record::new(&topic, "")), true),
            // Near 1 MB, and without a key.
            Some(2) => (
                Record::json(
                    &topic,
                    &serde_json::json!({"key": key, "seq": seq, "pad": "x".repeat(BIG_PAYLOAD)}),
                )?,
                false,
            ),
            Some(_) => (
                good()?
                    .header("unexpected", "header")
                    .header("also", vec![0u8, 159, 146, 150]),
                poisoned,
            ),
            None => (good()?, poisoned),
        };
        pending.push((key, seq, doomed, producer.produce_async(record).await?));
    }
    let mut produced = Vec::with_capacity(pending.len());
    for (key, seq, doomed, delivery) in pending {
        let delivery = delivery.await?;
        produced.push(Produced {
            partition: delivery.partition,
            offset: delivery.offset,
            key,
            seq,
            doomed,
        });
    }
    Ok(produced)
}
