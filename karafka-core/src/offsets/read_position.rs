//! How far a partition was read: the last record handed to the consumer, and librdkafka's
//! position after it. The position also moves over records a consumer never sees (transaction
//! markers, and aborted records under `read_committed`), which is how the committed offset can
//! reach the log end on a transactional topic without stepping over an unhandled record.

/// What one partition's reads have shown about the log's tail.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ReadPosition {
    /// The offset of the last record handed to the consumer.
    last_delivered: Option<i64>,
    /// librdkafka's position after a read that handed over nothing past `last_delivered`, when
    /// it lies beyond `last_delivered + 1`: every offset in between holds no record for the
    /// consumer.
    skippable_to: Option<i64>,
    /// Where librdkafka last reported the partition's end, until that is told (see
    /// [`ReadPosition::take_end`]).
    end: Option<i64>,
}

impl ReadPosition {
    /// Records one read of the partition's queue. `last` is the offset of the last record it
    /// handed over (`None` when it handed over none); `position` is librdkafka's position read
    /// after it, one past the last record librdkafka served, data or control (`None` when
    /// unknown, as right after a seek).
    pub(crate) fn read(&mut self, last: Option<i64>, position: Option<i64>) {
        if let Some(last) = last {
            self.last_delivered = Some(last);
        }
        // Reads are served in offset order, so whatever the position passed after the last
        // delivered record was no record for the consumer.
        self.skippable_to = match (self.last_delivered, position) {
            (Some(delivered), Some(position)) if position > delivered + 1 => Some(position),
            _ => None,
        };
    }

    /// librdkafka reported the partition's end at `end` (the offset the next record will have).
    pub(crate) fn reached_end(&mut self, end: i64) {
        self.end = Some(end);
    }

    /// The partition's end, once per report, when nothing at or past it was handed over since:
    /// a report overtaken by newer records is dropped.
    pub(crate) fn take_end(&mut self) -> Option<i64> {
        let end = self.end.take()?;
        match self.last_delivered {
            Some(last) if last >= end => None,
            _ => Some(end),
        }
    }

    /// Forgets what was read: the next reads start elsewhere (a seek).
    pub(crate) fn reset(&mut self) {
        *self = Self::default();
    }

    /// The offset to store when everything before `next_unmarked` was handled: the position
    /// past trailing records the consumer never saw when the mark covers every record handed
    /// over, else `next_unmarked` itself.
    pub(crate) fn committable(&self, next_unmarked: i64) -> i64 {
        match (self.last_delivered, self.skippable_to) {
            (Some(last), Some(position)) if next_unmarked == last + 1 => position,
            _ => next_unmarked,
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// One step of a partition's life: a read of up to `take` records (data or control) with
    /// librdkafka's position then known or not, or a seek to an offset.
    #[derive(Debug, Clone)]
    enum Step {
        Read { take: usize, position_known: bool },
        Seek { to: usize },
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            4 => (1usize..6, any::<bool>())
                .prop_map(|(take, position_known)| Step::Read { take, position_known }),
            1 => (0usize..40).prop_map(|to| Step::Seek { to }),
        ]
    }

    proptest! {
        /// Whatever the log (data records and control records), however it is read and
        /// whichever prefix of the delivered records was handled: the committable offset never
        /// passes a data record that was not handled.
        #[test]
        fn never_steps_over_an_unhandled_record(
            is_data in proptest::collection::vec(any::<bool>(), 1..40),
            steps in proptest::collection::vec(step(), 1..30),
            handled_share in 0.0f64..=1.0,
        ) {
            let mut read = ReadPosition::default();
            let mut cursor = 0usize;
            let mut delivered: Vec<i64> = Vec::new();
            for step in steps {
                match step {
                    Step::Seek { to } => {
                        cursor = to.min(is_data.len());
                        read.reset();
                    }
                    Step::Read { take, position_known } => {
                        let end = (cursor + take).min(is_data.len());
                        let last = (cursor..end).rev().find(|&offset| is_data[offset]);
                        delivered.extend((cursor..end).filter(|&offset| is_data[offset]).map(|o| o as i64));
                        let position = if cursor < end { end } else { cursor };
                        cursor = end;
                        read.read(last.map(|o| o as i64), position_known.then_some(position as i64));
                    }
                }
                if delivered.is_empty() {
                    continue;
                }
                // The consumer handled the first share of what it was handed, in order.
                let count = ((delivered.len() as f64) * handled_share).ceil() as usize;
                let Some(&mark) = delivered.get(count.max(1) - 1) else { continue };
                let next_unmarked = mark + 1;
                let committable = read.committable(next_unmarked);
                prop_assert!(committable >= next_unmarked);
                for offset in next_unmarked..committable {
                    prop_assert!(
                        !is_data[offset as usize],
                        "committable {committable} steps over data record {offset} (mark {mark})"
                    );
                }
            }
        }
    }

    proptest! {
        /// However reads and end reports interleave, an end is told at most once per report,
        /// and never when a record at or past it was handed over.
        #[test]
        fn an_end_is_told_once_and_never_behind_a_delivered_record(
            events in proptest::collection::vec((any::<bool>(), 0i64..20), 1..40),
        ) {
            let mut read = ReadPosition::default();
            let mut delivered = None::<i64>;
            let mut reports = 0usize;
            let mut told = 0usize;
            for (is_end, offset) in events {
                if is_end {
                    read.reached_end(offset);
                    reports += 1;
                } else {
                    read.read(Some(offset), None);
                    delivered = Some(offset);
                }
                if let Some(end) = read.take_end() {
                    told += 1;
                    prop_assert!(delivered.is_none_or(|last| last < end));
                    prop_assert_eq!(read.take_end(), None, "told twice");
                }
            }
            prop_assert!(told <= reports);
        }
    }

    #[test]
    fn an_end_report_overtaken_by_a_record_or_a_seek_is_dropped() {
        let mut read = ReadPosition::default();
        read.read(Some(4), None);
        read.reached_end(5);
        assert_eq!(read.take_end(), Some(5));
        read.reached_end(5);
        read.read(Some(5), None);
        assert_eq!(read.take_end(), None, "a record arrived after the report");
        read.reached_end(6);
        read.reset();
        assert_eq!(read.take_end(), None, "a seek forgets the report");
    }

    #[test]
    fn trailing_transaction_markers_are_committable_once_everything_is_handled() {
        let mut read = ReadPosition::default();
        // Records 0..=75 delivered, then the commit marker at 76 served: position 77.
        read.read(Some(75), Some(76));
        read.read(None, Some(77));
        assert_eq!(read.committable(76), 77, "the marker is passed");
        assert_eq!(read.committable(70), 70, "never past a record not handled");
    }

    #[test]
    fn a_new_record_or_a_seek_ends_the_skip() {
        let mut read = ReadPosition::default();
        read.read(Some(9), Some(11));
        read.read(Some(12), Some(13));
        assert_eq!(read.committable(13), 13);
        read.read(None, Some(15));
        assert_eq!(read.committable(13), 15);
        read.reset();
        assert_eq!(read.committable(13), 13);
        read.read(None, Some(15));
        assert_eq!(read.committable(13), 13, "nothing delivered since the seek");
    }

    #[test]
    fn an_unknown_position_skips_nothing() {
        let mut read = ReadPosition::default();
        read.read(Some(9), Some(11));
        read.read(None, None);
        assert_eq!(read.committable(10), 10);
    }
}
