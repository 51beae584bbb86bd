//! The audit of an exactly-once run: what a `read_committed` reader finds in the output topic.
//!
//! 9. Every input message is in the output exactly once: none missing, none twice, nothing
//!    that was never produced; and in its partition's order (the output of input partition `p`
//!    is written to output partition `p`).

use std::collections::{BTreeMap, HashMap};

use crate::audit::Report;
use crate::history::{History, Output};

/// Checks `history.outputs` against what was produced; counts the distinct messages found as
/// handled and any beyond the first as duplicates.
pub fn exactly_once(history: &History, report: &mut Report) {
    let mut found: HashMap<(i32, i64), usize> = HashMap::new();
    for output in &history.outputs {
        *found
            .entry((output.source_partition, output.source_offset))
            .or_default() += 1;
    }
    report.handled = found.len();
    report.duplicates = found.values().map(|count| count - 1).sum();
    for message in &history.produced {
        let key = (message.partition, message.offset);
        let problem = match found.remove(&key) {
            Some(1) => continue,
            Some(count) => format!("is in the output {count} times"),
            None => "is missing from the output".to_owned(),
        };
        report.violations.push(format!(
            "9 exactly-once: partition {} offset {} (key {} seq {}) {problem}",
            message.partition, message.offset, message.key, message.seq
        ));
    }
    let mut strangers: Vec<_> = found.into_keys().collect();
    strangers.sort_unstable();
    for (partition, offset) in strangers {
        report.violations.push(format!(
            "9 exactly-once: the output holds partition {partition} offset {offset}, which was never produced"
        ));
    }
    order(&history.outputs, report);
}

/// Within each output partition, the source offsets rise.
fn order(outputs: &[Output], report: &mut Report) {
    let mut last: BTreeMap<i32, &Output> = BTreeMap::new();
    for output in outputs {
        if let Some(previous) = last.get(&output.partition) {
            if previous.source_partition == output.source_partition
                && output.source_offset <= previous.source_offset
            {
                report.violations.push(format!(
                    "9 exactly-once: output partition {} has offset {} of partition {} after offset {}",
                    output.partition,
                    output.source_offset,
                    output.source_partition,
                    previous.source_offset
                ));
            }
        }
        last.insert(output.partition, output);
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::history::Produced;

    fn produced(partition: i32, offsets: std::ops::Range<i64>) -> Vec<Produced> {
        offsets
            .map(|offset| Produced {
                partition,
                offset,
                key: 0,
                seq: offset as u64,
                doomed: false,
            })
            .collect()
    }

    fn output(partition: i32, offset: i64) -> Output {
        Output {
            partition,
            source_partition: partition,
            source_offset: offset,
        }
    }

    fn audited(produced: Vec<Produced>, outputs: Vec<Output>) -> Report {
        let history = History {
            produced,
            outputs,
            ..History::default()
        };
        let mut report = Report::default();
        exactly_once(&history, &mut report);
        report
    }

    proptest! {
        #[test]
        fn a_complete_ordered_output_passes(count in 0i64..200) {
            let report = audited(produced(0, 0..count), (0..count).map(|o| output(0, o)).collect());
            prop_assert!(report.violations.is_empty(), "{:?}", report.violations);
            prop_assert_eq!(report.handled, count as usize);
        }

        #[test]
        fn a_missing_or_repeated_message_is_a_violation(count in 2i64..100, pick in 0i64..100, repeat: bool) {
            let pick = pick % count;
            let mut outputs: Vec<Output> = (0..count).map(|o| output(0, o)).collect();
            if repeat {
                outputs.push(output(0, pick));
            } else {
                outputs.retain(|o| o.source_offset != pick);
            }
            let report = audited(produced(0, 0..count), outputs);
            prop_assert!(
                report.violations.iter().any(|v| v.contains(&format!("offset {pick} "))),
                "{:?}", report.violations
            );
        }
    }

    #[test]
    fn out_of_order_and_unknown_outputs_are_violations() {
        let report = audited(
            produced(0, 0..2),
            vec![output(0, 1), output(0, 0), output(0, 7)],
        );
        assert_eq!(report.violations.len(), 2, "{:?}", report.violations);
        assert!(report.violations[0].contains("offset 7, which was never produced"));
        assert!(report.violations[1].contains("offset 0 of partition 0 after offset 1"));
    }
}
