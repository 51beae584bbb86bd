//! What the broker holds after a run: the group's members, the topics' ends, the output of
//! an exactly-once run and the dead letters.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use karafka::admin::Admin;
use karafka::middleware::dead_letter_queue::headers;
use karafka_reliability::history::{Output, Produced};

/// How many members `group` still lists, if any, two seconds after its last member stopped.
pub(crate) async fn lingering_members(admin: &Admin, group: &str) -> Option<usize> {
    let started = Instant::now();
    loop {
        let members = admin.active_members(group).await.unwrap_or(0);
        if members == 0 {
            return None;
        }
        if started.elapsed() > Duration::from_secs(2) {
            return Some(members);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The end offset of each of the `partitions` partitions after what was produced.
pub(crate) fn ends(produced: &[Produced], partitions: i32) -> Vec<i64> {
    (0..partitions)
        .map(|p| {
            produced
                .iter()
                .filter(|m| m.partition == p)
                .map(|m| m.offset + 1)
                .max()
                .unwrap_or(0)
        })
        .collect()
}

/// The output topic as a `read_committed` reader sees it, partition by partition.
pub(crate) async fn outputs(
    admin: &Admin,
    output: &str,
    partitions: i32,
) -> anyhow::Result<Vec<Output>> {
    #[derive(serde::Deserialize)]
    struct Copy {
        partition: i32,
        offset: i64,
    }
    let mut outputs = Vec::new();
    for partition in 0..partitions {
        let (_, end) = admin.watermarks(output, partition).await?;
        for message in admin.read_topic(output, partition, 0, end as usize).await? {
            let copy: Copy = message.payload()?;
            outputs.push(Output {
                partition,
                source_partition: copy.partition,
                source_offset: copy.offset,
            });
        }
    }
    Ok(outputs)
}

/// `(partition, offset)` of the messages in the dead-letter topic, from their headers.
pub(crate) async fn dead_letters(
    admin: &Admin,
    dlq: &str,
    partitions: i32,
) -> anyhow::Result<HashSet<(i32, i64)>> {
    let mut letters = HashSet::new();
    for partition in 0..partitions {
        let (_, end) = admin.watermarks(dlq, partition).await?;
        for message in admin.read_topic(dlq, partition, 0, end as usize).await? {
            let field = |name| {
                message
                    .headers()
                    .get_str(name)
                    .and_then(|v| v.parse::<i64>().ok())
            };
            if let (Some(p), Some(o)) = (field(headers::PARTITION), field(headers::OFFSET)) {
                letters.insert((p as i32, o));
            }
        }
    }
    Ok(letters)
}
