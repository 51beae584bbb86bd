//! The schedule of one partition of the schedules topic (Karafka's daily buffer, without the
//! day: every pending message is held): rebuilt by applying the partition's records in order,
//! asked what is due at a time. Pure.

use std::collections::{BTreeMap, HashMap};

use crate::producer::envelope::Envelope;
use crate::producer::{Record, ScheduleId};

/// A message waiting for its time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pending {
    /// When to dispatch it, in milliseconds since the Unix epoch.
    pub(crate) at_ms: i64,
    /// Its envelope's offset on the schedules partition.
    pub(crate) offset: i64,
    /// What to produce.
    pub(crate) target: Record,
}

/// The messages of one schedules partition that are neither dispatched nor cancelled.
#[derive(Debug, Default)]
pub(crate) struct Schedule {
    pending: HashMap<ScheduleId, Pending>,
    /// The same ids in dispatch order: by time, then by envelope offset.
    by_time: BTreeMap<(i64, i64), ScheduleId>,
}

impl Schedule {
    /// Applies the partition's record at `offset`: an envelope adds (or replaces) its message, a
    /// cancel or a tombstone removes it. Records must come in offset order.
    pub(crate) fn apply(&mut self, offset: i64, envelope: Envelope) {
        match envelope {
            Envelope::Schedule { id, at_ms, target } => {
                self.remove(&id);
                self.by_time.insert((at_ms, offset), id.clone());
                self.pending.insert(
                    id,
                    Pending {
                        at_ms,
                        offset,
                        target,
                    },
                );
            }
            Envelope::Cancel { id } | Envelope::Tombstone { id } => {
                self.remove(&id);
            }
        }
    }

    /// The ids due at `now_ms` (time at or before it), in dispatch order.
    pub(crate) fn due(&self, now_ms: i64) -> Vec<ScheduleId> {
        self.by_time
            .range(..=(now_ms, i64::MAX))
            .map(|(_, id)| id.clone())
            .collect()
    }

    /// The pending message `id`.
    pub(crate) fn get(&self, id: &ScheduleId) -> Option<&Pending> {
        self.pending.get(id)
    }

    /// Forgets `id` (dispatched, cancelled or replaced).
    pub(crate) fn remove(&mut self, id: &ScheduleId) -> Option<Pending> {
        let pending = self.pending.remove(id)?;
        self.by_time.remove(&(pending.at_ms, pending.offset));
        Some(pending)
    }

    /// How many messages wait.
    pub(crate) fn len(&self) -> usize {
        self.pending.len()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;

    use super::*;

    /// One record of a schedules partition, over a few ids so that they repeat.
    #[derive(Debug, Clone)]
    enum Op {
        Schedule(u8, i64),
        Cancel(u8),
        Tombstone(u8),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            3 => (0..8u8, 0..100i64).prop_map(|(id, at)| Op::Schedule(id, at)),
            1 => (0..8u8).prop_map(Op::Cancel),
            1 => (0..8u8).prop_map(Op::Tombstone),
        ]
    }

    fn id(n: u8) -> ScheduleId {
        ScheduleId::from(format!("orders-{n}"))
    }

    fn envelope(op: &Op) -> Envelope {
        match *op {
            Op::Schedule(n, at_ms) => Envelope::Schedule {
                id: id(n),
                at_ms,
                target: Record::new("orders", format!("{n}@{at_ms}")),
            },
            Op::Cancel(n) => Envelope::Cancel { id: id(n) },
            Op::Tombstone(n) => Envelope::Tombstone { id: id(n) },
        }
    }

    /// The model: per id, its last record; pending when that is a schedule.
    fn model(ops: &[Op]) -> BTreeMap<u8, (i64, i64)> {
        let mut last = BTreeMap::new();
        for (offset, op) in ops.iter().enumerate() {
            let offset = offset as i64;
            match *op {
                Op::Schedule(n, at) => {
                    last.insert(n, (at, offset));
                }
                Op::Cancel(n) | Op::Tombstone(n) => {
                    last.remove(&n);
                }
            }
        }
        last
    }

    fn rebuilt(ops: &[Op]) -> Schedule {
        let mut schedule = Schedule::default();
        for (offset, op) in ops.iter().enumerate() {
            schedule.apply(offset as i64, envelope(op));
        }
        schedule
    }

    proptest! {
        #[test]
        fn a_rebuilt_schedule_holds_each_ids_last_envelope_unless_cancelled_or_dispatched_after(
            ops in proptest::collection::vec(op(), 0..60),
        ) {
            let schedule = rebuilt(&ops);
            let expected = model(&ops);
            prop_assert_eq!(schedule.len(), expected.len());
            for (n, (at_ms, offset)) in &expected {
                let pending = schedule.get(&id(*n));
                prop_assert_eq!(pending.map(|p| (p.at_ms, p.offset)), Some((*at_ms, *offset)));
            }
        }

        #[test]
        fn due_is_every_pending_message_at_or_before_now_in_time_then_offset_order(
            ops in proptest::collection::vec(op(), 0..60),
            now in 0..110i64,
        ) {
            let schedule = rebuilt(&ops);
            let mut expected: Vec<(i64, i64, u8)> = model(&ops)
                .into_iter()
                .filter(|(_, (at, _))| *at <= now)
                .map(|(n, (at, offset))| (at, offset, n))
                .collect();
            expected.sort_unstable();
            let expected: Vec<ScheduleId> = expected.into_iter().map(|(_, _, n)| id(n)).collect();
            prop_assert_eq!(schedule.due(now), expected);
        }

        #[test]
        fn dispatching_what_is_due_leaves_only_later_messages(
            ops in proptest::collection::vec(op(), 0..60),
            now in 0..110i64,
        ) {
            let mut schedule = rebuilt(&ops);
            let before = schedule.len();
            let due = schedule.due(now);
            for id in &due {
                prop_assert!(schedule.remove(id).is_some());
            }
            prop_assert!(schedule.due(now).is_empty());
            prop_assert_eq!(schedule.len(), before - due.len());
            // A restart applies the tombstones written after each dispatch: nothing comes back.
            let mut restarted = rebuilt(&ops);
            let offset = ops.len() as i64;
            for (i, id) in due.iter().enumerate() {
                restarted.apply(offset + i as i64, Envelope::Tombstone { id: id.clone() });
            }
            prop_assert!(restarted.due(now).is_empty());
            prop_assert_eq!(restarted.len(), schedule.len());
        }
    }
}
