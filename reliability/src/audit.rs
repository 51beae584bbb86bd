//! The auditor: checks a run's history against the framework's promises.
//!
//! 1. No loss: every acknowledged message is handled, or dead-lettered if no handling can
//!    succeed; a good message is never dead-lettered.
//! 2. A committed offset (read or acknowledged) never passes an unhandled message.
//! 3. No handling for a partition after it was revoked (until it is assigned again).
//! 4. An assignment starts exactly at the committed offset and has no gaps.
//! 5. Order per partition (per key under virtual partitions), retries excepted.
//! 6. Duplicates only where a kill, an eviction, a freeze or a retry explains them.
//! 7. Committed offsets never decrease: the broker's acknowledgements of a partition's commits
//!    rise over time, and no read shows less than was acknowledged a moment before it. A read
//!    that goes back below a commit nobody acknowledged breaks no promise (the broker showed a
//!    commit before it was safe, then lost it; the next owner redoes a little); it is a note.
//! 8. Liveness: every partition is committed to its end at the end.
//! 10. A member frozen and woken commits nothing of a partition that moved on meanwhile (see
//!     [`zombie`](crate::zombie)).
//!
//! An exactly-once run is audited on its output instead of rules 1–6 (see
//! [`exactly_once`](crate::exactly_once)).

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::history::{CommitSample, Event, EventKind, Expectations, Handled, History};

/// How long before a read an acknowledgement must have been logged for the read to have to
/// show it: an answer may be computed a little before it arrives and is stamped.
const READ_SETTLES_US: u64 = 1_000_000;

/// What an audit found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Messages produced (acknowledged).
    pub produced: usize,
    /// Distinct messages handled.
    pub handled: usize,
    /// Handlings beyond the first of a message.
    pub duplicates: usize,
    /// Broken promises, one line each.
    pub violations: Vec<String>,
    /// What the broker did that breaks no promise but is worth knowing, one line each.
    pub notes: Vec<String>,
}

/// One line of a subject's log for a partition, in the order the subject wrote it.
#[derive(Debug, Clone, Copy)]
enum Line {
    Handled(Handled),
    Assigned(Option<i64>),
    Left,
}

/// Audits `history` under `expect`.
pub fn audit(history: &History, expect: &Expectations) -> Report {
    let mut report = Report {
        produced: history.produced.len(),
        ..Report::default()
    };
    if expect.exactly_once {
        crate::exactly_once::exactly_once(history, &mut report);
        commits_never_decrease(history, &mut report);
        liveness(history, &mut report);
        return report;
    }
    let handled_at = first_handlings(history);
    report.handled = handled_at.len();
    no_loss(history, &handled_at, &mut report);
    commits_follow_handling(history, &handled_at, &mut report);
    commits_never_decrease(history, &mut report);
    assignments(history, expect, &mut report);
    duplicates(history, expect, &mut report);
    crate::zombie::frozen_members_commit_nothing_they_lost(history, &expect.paused, &mut report);
    liveness(history, &mut report);
    report
}

/// When each message was first handled.
fn first_handlings(history: &History) -> HashMap<(i32, i64), u64> {
    let mut first: HashMap<(i32, i64), u64> = HashMap::new();
    for handled in &history.handled {
        let at = first
            .entry((handled.partition, handled.offset))
            .or_insert(handled.at);
        *at = (*at).min(handled.at);
    }
    first
}

fn no_loss(history: &History, handled: &HashMap<(i32, i64), u64>, report: &mut Report) {
    for message in &history.produced {
        let key = (message.partition, message.offset);
        let (was_handled, dead_lettered) = (
            handled.contains_key(&key),
            history.dead_letters.contains(&key),
        );
        let problem = match (message.doomed, was_handled, dead_lettered) {
            (false, false, false) => "was never handled",
            (false, _, true) => "is good but was dead-lettered",
            (true, _, false) => "cannot be handled but was not dead-lettered",
            _ => continue,
        };
        report.violations.push(format!(
            "1 loss: partition {} offset {} (key {} seq {}) {problem}",
            message.partition, message.offset, message.key, message.seq
        ));
    }
}

fn commits_follow_handling(
    history: &History,
    handled: &HashMap<(i32, i64), u64>,
    report: &mut Report,
) {
    let mut offsets: BTreeMap<i32, Vec<i64>> = BTreeMap::new();
    for message in &history.produced {
        offsets
            .entry(message.partition)
            .or_default()
            .push(message.offset);
    }
    offsets.values_mut().for_each(|o| o.sort_unstable());
    let acknowledged = history.acknowledged.iter().map(|ack| &ack.commit);
    for sample in history.commits.iter().chain(acknowledged) {
        let Some(offsets) = offsets.get(&sample.partition) else {
            continue;
        };
        let unhandled = offsets
            .iter()
            .take_while(|&&o| o < sample.offset)
            .find(|&&o| {
                let key = (sample.partition, o);
                !history.dead_letters.contains(&key)
                    && handled.get(&key).is_none_or(|&at| at > sample.at)
            });
        if let Some(offset) = unhandled {
            report.violations.push(format!(
                "2 commit ahead: partition {} committed {} while offset {offset} was not handled yet",
                sample.partition, sample.offset
            ));
        }
    }
}

fn commits_never_decrease(history: &History, report: &mut Report) {
    let by_time = |commits: &[CommitSample]| {
        let mut commits = commits.to_vec();
        commits.sort_by_key(|commit| commit.at);
        commits
    };
    let acknowledged: Vec<CommitSample> = history.acknowledged.iter().map(|a| a.commit).collect();
    let acknowledged = by_time(&acknowledged);
    let mut highest: HashMap<i32, i64> = HashMap::new();
    for ack in &acknowledged {
        let before = highest.entry(ack.partition).or_insert(ack.offset);
        if ack.offset < *before {
            report.violations.push(format!(
                "7 acknowledged commit went back: partition {} from {before} to {}",
                ack.partition, ack.offset
            ));
        }
        *before = (*before).max(ack.offset);
    }
    let mut last: HashMap<i32, i64> = HashMap::new();
    for sample in by_time(&history.commits) {
        let settled = acknowledged
            .iter()
            .filter(|ack| {
                ack.partition == sample.partition && ack.at + READ_SETTLES_US <= sample.at
            })
            .map(|ack| ack.offset)
            .max();
        let previous = last.insert(sample.partition, sample.offset);
        if let Some(settled) = settled.filter(|&settled| sample.offset < settled) {
            report.violations.push(format!(
                "7 commit went back: partition {} read {} after {settled} was acknowledged",
                sample.partition, sample.offset
            ));
        } else if let Some(previous) = previous.filter(|&previous| sample.offset < previous) {
            report.notes.push(format!(
                "partition {} read {previous}, then {}: {previous} was not acknowledged by then",
                sample.partition, sample.offset
            ));
        }
    }
}

/// Every subject's lines per partition, in the subject's order.
fn lines(history: &History) -> BTreeMap<(u32, i32), Vec<(u64, Line)>> {
    let mut lines: BTreeMap<(u32, i32), Vec<(u64, Line)>> = BTreeMap::new();
    for handled in &history.handled {
        lines
            .entry((handled.pid, handled.partition))
            .or_default()
            .push((handled.at, Line::Handled(*handled)));
    }
    for event in &history.events {
        let line = match event.kind {
            EventKind::Assigned { committed, .. } => Line::Assigned(committed),
            EventKind::Revoked | EventKind::Shutdown => Line::Left,
        };
        lines
            .entry((event.pid, event.partition))
            .or_default()
            .push((event.at, line));
    }
    // Timestamps come from one clock per subject; a stable sort keeps equal ones in log order.
    lines
        .values_mut()
        .for_each(|l| l.sort_by_key(|(at, _)| *at));
    lines
}

fn assignments(history: &History, expect: &Expectations, report: &mut Report) {
    for ((pid, partition), lines) in lines(history) {
        let mut current: Option<Vec<Handled>> = None;
        let mut start: Option<i64> = None;
        let finish = |handled: Vec<Handled>, start: Option<i64>, report: &mut Report| {
            check_assignment(pid, partition, start, &handled, history, expect, report);
        };
        for (_, line) in lines {
            match line {
                Line::Assigned(committed) => {
                    if let Some(handled) = current.take() {
                        finish(handled, start, report);
                    }
                    current = Some(Vec::new());
                    start = committed;
                }
                Line::Left => {
                    if let Some(handled) = current.take() {
                        finish(handled, start, report);
                    }
                }
                Line::Handled(handled) => match current.as_mut() {
                    Some(assignment) => assignment.push(handled),
                    None => report.violations.push(format!(
                        "3 handled after revocation: subject {pid} handled partition {partition} offset {} while not assigned",
                        handled.offset
                    )),
                },
            }
        }
        if let Some(handled) = current.take() {
            finish(handled, start, report);
        }
    }
}

/// Whether every offset in `from..to` of `partition` went to the dead-letter topic.
fn dead_lettered(history: &History, partition: i32, from: i64, to: i64) -> bool {
    (from..to).all(|offset| history.dead_letters.contains(&(partition, offset)))
}

fn check_assignment(
    pid: u32,
    partition: i32,
    committed: Option<i64>,
    handled: &[Handled],
    history: &History,
    expect: &Expectations,
    report: &mut Report,
) {
    let Some(lowest) = handled.iter().map(|h| h.offset).min() else {
        return;
    };
    let start = committed.unwrap_or(0);
    // Under virtual partitions the first messages may have failed while the others went on;
    // the partition moved before their retry, and a later handling (its next owner's) took them.
    let began = handled.iter().map(|h| h.at).min().unwrap_or(0);
    let failed_at_start = || {
        expect.per_key_order
            && (start..lowest).all(|offset| {
                history
                    .handled
                    .iter()
                    .any(|h| h.partition == partition && h.offset == offset && h.at > began)
            })
    };
    if lowest != start
        && !(lowest > start
            && (dead_lettered(history, partition, start, lowest) || failed_at_start()))
    {
        report.violations.push(format!(
            "4 wrong start: subject {pid} began partition {partition} at offset {lowest}, the committed offset was {start}"
        ));
    }
    if expect.per_key_order {
        let mut last: HashMap<u32, &Handled> = HashMap::new();
        for handled in handled {
            if let Some(previous) = last.get(&handled.key) {
                let next = handled.seq == previous.seq + 1;
                let retried = handled.attempt > 1 && handled.seq <= previous.seq + 1;
                if !next && !retried && !dead_lettered_key_gap(history, previous, handled) {
                    report.violations.push(format!(
                        "5 key order: subject {pid} handled key {} seq {} after seq {} on partition {partition}",
                        handled.key, handled.seq, previous.seq
                    ));
                }
            }
            last.insert(handled.key, handled);
        }
    } else {
        for pair in handled.windows(2) {
            let (previous, next) = (pair[0], pair[1]);
            let consecutive = next.offset == previous.offset + 1;
            let retried =
                next.attempt > 1 && next.offset <= previous.offset + 1 && next.offset >= start;
            let gap_dead_lettered = next.offset > previous.offset + 1
                && dead_lettered(history, partition, previous.offset + 1, next.offset);
            if !consecutive && !retried && !gap_dead_lettered {
                report.violations.push(format!(
                    "4/5 gap or jump: subject {pid} handled partition {partition} offset {} after {}",
                    next.offset, previous.offset
                ));
            }
        }
    }
}

/// Under virtual partitions a key's sequence may skip messages that went to the dead-letter topic.
fn dead_lettered_key_gap(history: &History, previous: &Handled, next: &Handled) -> bool {
    next.seq > previous.seq + 1
        && history
            .produced
            .iter()
            .filter(|m| {
                m.partition == next.partition
                    && m.key == next.key
                    && m.seq > previous.seq
                    && m.seq < next.seq
            })
            .all(|m| history.dead_letters.contains(&(m.partition, m.offset)))
}

fn duplicates(history: &History, expect: &Expectations, report: &mut Report) {
    let mut seen: HashMap<(i32, i64), &Handled> = HashMap::new();
    let paused = expect.paused.iter().map(|pause| pause.pid);
    let excused: HashSet<u32> = expect
        .killed
        .union(&expect.evicted)
        .copied()
        .chain(paused)
        .collect();
    // A woken member handles what it fetched before it learns it lost the partition: after the
    // next owner, so it is the second handler (rule 10 checks it commits none of it).
    let zombie = |handled: &Handled| {
        expect
            .paused
            .iter()
            .any(|pause| pause.pid == handled.pid && handled.at >= pause.stopped)
    };
    // Logs are read in no particular order; who handled a message first is a matter of time.
    let mut by_time: Vec<&Handled> = history.handled.iter().collect();
    by_time.sort_by_key(|handled| handled.at);
    for handled in by_time {
        let key = (handled.partition, handled.offset);
        match seen.get(&key) {
            None => {
                seen.insert(key, handled);
            }
            Some(first) => {
                report.duplicates += 1;
                let retried = handled.pid == first.pid && handled.attempt > 1;
                let uncommittable = expect.per_key_order && left_a_gap_below(history, first);
                if !retried && !uncommittable && !excused.contains(&first.pid) && !zombie(handled) {
                    report.violations.push(format!(
                        "6 duplicate: partition {} offset {} handled by subject {} and again by subject {} (attempt {})",
                        handled.partition, handled.offset, first.pid, handled.pid, handled.attempt
                    ));
                }
            }
        }
    }
}

/// Whether the subject that handled `first` left a message of its partition below it unhandled
/// (and not dead-lettered) in that assignment. Under virtual partitions a failed message does
/// that: the others go on, and what they handle past it cannot be committed (rule 2), so when
/// the partition moves before the retry, the next owner handles it again.
fn left_a_gap_below(history: &History, first: &Handled) -> bool {
    let ours = |event: &&Event| event.pid == first.pid && event.partition == first.partition;
    let Some((assigned_at, start)) = history
        .events
        .iter()
        .filter(ours)
        .filter(|event| event.at <= first.at)
        .filter_map(|event| match event.kind {
            EventKind::Assigned { committed, .. } => Some((event.at, committed.unwrap_or(0))),
            _ => None,
        })
        .max_by_key(|(at, _)| *at)
    else {
        return false;
    };
    let left_at = history
        .events
        .iter()
        .filter(ours)
        .filter(|event| event.at > assigned_at)
        .filter(|event| !matches!(event.kind, EventKind::Assigned { .. }))
        .map(|event| event.at)
        .min()
        .unwrap_or(u64::MAX);
    let handled: HashSet<i64> = history
        .handled
        .iter()
        .filter(|h| h.pid == first.pid && h.partition == first.partition)
        .filter(|h| (assigned_at..=left_at).contains(&h.at))
        .map(|h| h.offset)
        .collect();
    (start..first.offset).any(|offset| {
        !handled.contains(&offset) && !history.dead_letters.contains(&(first.partition, offset))
    })
}

fn liveness(history: &History, report: &mut Report) {
    for (partition, end) in history.ends.iter().enumerate() {
        let committed = history.final_commits.get(partition).copied().flatten();
        if committed != Some(*end) && *end > 0 {
            report.violations.push(format!(
                "8 liveness: partition {partition} ended committed at {committed:?}, its end is {end}"
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{Acknowledged, CommitSample, Produced};

    fn produced(partition: i32, count: i64) -> Vec<Produced> {
        (0..count)
            .map(|offset| Produced {
                partition,
                offset,
                key: (offset % 3) as u32,
                seq: (offset / 3) as u64,
                doomed: false,
            })
            .collect()
    }

    fn handled(
        pid: u32,
        partition: i32,
        offsets: impl IntoIterator<Item = i64>,
        at: u64,
    ) -> Vec<Handled> {
        offsets
            .into_iter()
            .enumerate()
            .map(|(i, offset)| Handled {
                at: at + i as u64,
                pid,
                partition,
                offset,
                key: (offset % 3) as u32,
                seq: (offset / 3) as u64,
                attempt: 1,
            })
            .collect()
    }

    fn assigned(pid: u32, partition: i32, committed: Option<i64>, at: u64) -> Event {
        Event {
            at,
            pid,
            partition,
            kind: EventKind::Assigned {
                committed,
                end: None,
            },
        }
    }

    fn left(pid: u32, partition: i32, at: u64) -> Event {
        Event {
            at,
            pid,
            partition,
            kind: EventKind::Revoked,
        }
    }

    /// Offset `offset` of partition 0, committed at `at`.
    fn commit(at: u64, offset: i64) -> CommitSample {
        CommitSample {
            at,
            partition: 0,
            offset,
        }
    }

    /// Offset `offset` of partition 0, acknowledged to subject 1 at `at`.
    fn ack(at: u64, offset: i64) -> Acknowledged {
        Acknowledged {
            pid: 1,
            commit: commit(at, offset),
        }
    }

    /// One subject handles 0..10 cleanly and commits 10.
    fn clean() -> History {
        History {
            produced: produced(0, 10),
            handled: handled(1, 0, 0..10, 100),
            events: vec![assigned(1, 0, None, 50), left(1, 0, 1_000)],
            commits: vec![commit(500, 10)],
            acknowledged: vec![ack(450, 10)],
            final_commits: vec![Some(10)],
            ends: vec![10],
            ..History::default()
        }
    }

    fn violations(history: &History, expect: &Expectations) -> Vec<String> {
        audit(history, expect).violations
    }

    #[test]
    fn a_clean_run_passes() {
        let report = audit(&clean(), &Expectations::default());
        assert_eq!(report.violations, Vec::<String>::new());
        assert_eq!(
            (report.produced, report.handled, report.duplicates),
            (10, 10, 0)
        );
    }

    #[test]
    fn each_broken_promise_is_reported() {
        let expect = Expectations::default();
        let check = |history: History, invariant: &str| {
            let found = violations(&history, &expect);
            assert!(
                found.iter().any(|v| v.starts_with(invariant)),
                "{invariant}: {found:?}"
            );
        };
        let mut lost = clean();
        lost.handled.retain(|h| h.offset != 4);
        check(lost, "1 loss");

        let mut ahead = clean();
        ahead.commits = vec![commit(103, 8)];
        check(ahead, "2 commit ahead");

        let mut after = clean();
        after.handled.push(handled(1, 0, [9], 2_000)[0]);
        check(after, "3 handled after revocation");

        let mut wrong_start = clean();
        wrong_start.events[0] = assigned(1, 0, Some(2), 50);
        check(wrong_start, "4 wrong start");

        let mut gap = clean();
        gap.handled.retain(|h| h.offset != 5);
        check(gap, "4/5 gap or jump");

        let mut ack_ahead = clean();
        ack_ahead.acknowledged = vec![ack(103, 8)];
        check(ack_ahead, "2 commit ahead");

        let mut back = clean();
        back.acknowledged = vec![ack(400, 10)];
        back.commits.push(commit(400 + READ_SETTLES_US, 9));
        check(back, "7 commit went back");

        let mut acknowledged_back = clean();
        acknowledged_back.acknowledged = vec![ack(400, 10), ack(700, 9)];
        check(acknowledged_back, "7 acknowledged commit went back");

        let mut stuck = clean();
        stuck.final_commits = vec![Some(9)];
        check(stuck, "8 liveness");
    }

    #[test]
    fn a_read_going_back_below_an_unacknowledged_commit_is_a_note() {
        let mut history = clean();
        // 10 was read before anyone heard it was acknowledged, then the broker lost it.
        history.acknowledged = vec![ack(5_000, 10)];
        history.commits.push(commit(600, 9));
        let report = audit(&history, &Expectations::default());
        assert_eq!(report.violations, Vec::<String>::new());
        assert_eq!(
            report.notes,
            ["partition 0 read 10, then 9: 10 was not acknowledged by then"]
        );
        // An acknowledgement logged just before the read arrived may not be in its answer yet.
        history.acknowledged = vec![ack(599, 10)];
        assert_eq!(audit(&history, &Expectations::default()).notes.len(), 1);
    }

    #[test]
    fn under_virtual_partitions_what_was_handled_past_a_failed_message_may_repeat() {
        // Subject 1 failed at 3 (key 0) and handled the other keys' 4, 5, 7, 8 in its other
        // virtual partitions; the partition moved before the retry, committed at 3, and
        // subject 2 handled 3..10.
        let history = History {
            produced: produced(0, 10),
            handled: [
                handled(1, 0, [0, 1, 2, 4, 5, 7, 8], 100),
                handled(2, 0, 3..10, 2_100),
            ]
            .concat(),
            events: vec![
                assigned(1, 0, None, 50),
                left(1, 0, 1_000),
                assigned(2, 0, Some(3), 2_000),
            ],
            final_commits: vec![Some(10)],
            ends: vec![10],
            ..History::default()
        };
        let virtual_partitions = Expectations {
            per_key_order: true,
            ..Expectations::default()
        };
        assert_eq!(
            violations(&history, &virtual_partitions),
            Vec::<String>::new()
        );
        assert_eq!(audit(&history, &virtual_partitions).duplicates, 4);

        // The first message (key 0) failed, the other keys ran: the next owner starts at the
        // committed 0.
        let failed_first = History {
            produced: produced(0, 10),
            handled: [
                handled(1, 0, [1, 2, 4, 5, 7, 8], 100),
                handled(2, 0, 0..10, 2_100),
            ]
            .concat(),
            events: vec![
                assigned(1, 0, None, 50),
                left(1, 0, 1_000),
                assigned(2, 0, Some(0), 2_000),
            ],
            final_commits: vec![Some(10)],
            ends: vec![10],
            ..History::default()
        };
        assert_eq!(
            violations(&failed_first, &virtual_partitions),
            Vec::<String>::new()
        );
        let found = violations(&failed_first, &Expectations::default());
        assert!(
            found.iter().any(|v| v.starts_with("4 wrong start")),
            "{found:?}"
        );

        // Without a gap below them, repeats after a clean handover stay violations.
        let mut whole = history.clone();
        whole.handled = [handled(1, 0, 0..10, 100), handled(2, 0, 3..10, 2_100)].concat();
        let found = violations(&whole, &virtual_partitions);
        assert!(
            found.iter().any(|v| v.starts_with("6 duplicate")),
            "{found:?}"
        );
    }

    #[test]
    fn duplicates_are_excused_only_by_kills_evictions_freezes_and_retries() {
        let mut history = clean();
        history.events.push(assigned(2, 0, Some(5), 2_000));
        history.handled.extend(handled(2, 0, 5..10, 2_100));
        let found = violations(&history, &Expectations::default());
        assert!(
            found.iter().any(|v| v.starts_with("6 duplicate")),
            "{found:?}"
        );
        let killed = Expectations {
            killed: [1].into(),
            ..Expectations::default()
        };
        assert_eq!(violations(&history, &killed), Vec::<String>::new());
        assert_eq!(audit(&history, &killed).duplicates, 5);
        // The killed subject's log may be read last: it still handled those messages first.
        history.handled.rotate_left(10);
        assert_eq!(violations(&history, &killed), Vec::<String>::new());

        // A frozen subject woken after the next owner handled its messages handles them again.
        let zombie = History {
            produced: produced(0, 10),
            handled: [
                handled(1, 0, 0..5, 100),
                handled(2, 0, 5..10, 151),
                handled(1, 0, 5..10, 160),
            ]
            .concat(),
            events: vec![assigned(1, 0, None, 50), assigned(2, 0, Some(5), 150)],
            final_commits: vec![Some(10)],
            ends: vec![10],
            ..History::default()
        };
        let frozen = Expectations {
            paused: vec![crate::history::Pause {
                pid: 1,
                stopped: 106,
                continued: 156,
            }],
            ..Expectations::default()
        };
        assert_eq!(violations(&zombie, &frozen), Vec::<String>::new());
        assert_eq!(audit(&zombie, &frozen).duplicates, 5);
        let found = violations(&zombie, &Expectations::default());
        assert!(
            found.iter().any(|v| v.starts_with("6 duplicate")),
            "{found:?}"
        );

        let mut retried = clean();
        let mut again = handled(1, 0, 3..10, 200);
        again.iter_mut().for_each(|h| h.attempt = 2);
        retried.handled.truncate(5);
        retried.handled.extend(again);
        assert_eq!(
            violations(&retried, &Expectations::default()),
            Vec::<String>::new()
        );
    }

    #[test]
    fn doomed_messages_must_be_dead_lettered_and_good_ones_must_not() {
        let mut history = clean();
        history.produced[5].doomed = true;
        history.handled.retain(|h| h.offset != 5);
        let found = violations(&history, &Expectations::default());
        assert!(
            found.iter().any(|v| v.contains("was not dead-lettered")),
            "{found:?}"
        );
        history.dead_letters.insert((0, 5));
        assert_eq!(
            violations(&history, &Expectations::default()),
            Vec::<String>::new()
        );
        history.dead_letters.insert((0, 6));
        let found = violations(&history, &Expectations::default());
        assert!(
            found
                .iter()
                .any(|v| v.contains("is good but was dead-lettered")),
            "{found:?}"
        );
    }

    #[test]
    fn per_key_order_is_checked_under_virtual_partitions() {
        let expect = Expectations {
            per_key_order: true,
            ..Expectations::default()
        };
        let mut history = clean();
        // Keys interleave across virtual partitions; per key the sequence holds.
        history.handled = handled(1, 0, [0, 3, 1, 6, 4, 2, 9, 7, 5, 8], 100);
        assert_eq!(violations(&history, &expect), Vec::<String>::new());
        history.handled = handled(1, 0, [0, 6, 3, 1, 4, 7, 2, 5, 8, 9], 100);
        let found = violations(&history, &expect);
        assert!(
            found.iter().any(|v| v.starts_with("5 key order")),
            "{found:?}"
        );
    }

    /// A consumer that keeps its promises, killed after each session: every session starts at
    /// the committed offset, handles in order, and commits no further than it handled.
    fn sessions(end: i64, stops: &[(i64, i64)]) -> (History, Expectations) {
        let mut history = History {
            produced: produced(0, end),
            ends: vec![end],
            ..History::default()
        };
        let mut expect = Expectations::default();
        let (mut committed, mut at) = (0, 0);
        let last = [(end, end)];
        for (pid, (stop, upto)) in stops.iter().chain(&last).enumerate() {
            let pid = pid as u32 + 1;
            let stop = committed + (stop - committed).rem_euclid(end - committed + 1);
            let upto = committed + (upto - committed).rem_euclid(stop - committed + 1);
            history
                .events
                .push(assigned(pid, 0, (committed > 0).then_some(committed), at));
            history
                .handled
                .extend(handled(pid, 0, committed..stop, at + 1));
            // Each session's commit is read back once it settled, before the next session.
            at += 2 * READ_SETTLES_US;
            history.acknowledged.push(Acknowledged {
                pid,
                commit: commit(at, upto),
            });
            history.commits.push(commit(at + READ_SETTLES_US, upto));
            expect.killed.insert(pid);
            committed = upto;
        }
        history.final_commits = vec![Some(end)];
        (history, expect)
    }

    proptest::proptest! {
        #[test]
        fn a_consumer_that_keeps_its_promises_passes(end in 1i64..200, stops in proptest::collection::vec((0i64..200, 0i64..200), 0..6)) {
            let (history, expect) = sessions(end, &stops);
            proptest::prop_assert_eq!(violations(&history, &expect), Vec::<String>::new());
        }

        #[test]
        fn losing_any_message_is_found(end in 1i64..200, stops in proptest::collection::vec((0i64..200, 0i64..200), 0..6), pick in 0usize..1_000) {
            let (mut history, expect) = sessions(end, &stops);
            let lost = history.handled[pick % history.handled.len()].offset;
            history.handled.retain(|h| h.offset != lost);
            proptest::prop_assert!(!violations(&history, &expect).is_empty());
        }
    }
}
