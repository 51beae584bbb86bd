//! Offset commits, one at a time per consumer, with the broker's answer per partition.
//!
//! librdkafka's own interval commit is asynchronous, and a request it retries (after its
//! coordinator died, say) can reach the broker after a newer commit did: the reliability suite
//! saw acknowledged commits go back in 10 of 20 coordinator kills. So the runtime commits by
//! itself: every commit waits for the broker's final answer, and the next one starts after it.
//!
//! rust-rdkafka's synchronous commit returns one error code and never reports which offsets
//! were committed (its commit callback only sees asynchronous commits), so this module calls
//! `rd_kafka_commit_queue` without a queue: synchronous, with a callback that receives the
//! committed offsets.

use std::ffi::{c_void, CStr};
use std::ptr;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use rdkafka::consumer::Consumer as _;
use rdkafka::error::{KafkaError, KafkaResult};
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::TopicPartitionList;
use rdkafka_sys as sys;
use rdkafka_sys::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR;

use super::KafkaConsumer;
use crate::instrumentation::{commit_acknowledged, commit_refused};

/// Held for the length of a commit, so one consumer's commits never overlap.
#[derive(Debug, Default)]
pub(crate) struct CommitTurn(Mutex<()>);

/// One partition of a commit, as the broker answered it.
#[derive(Debug)]
struct PartitionAnswer {
    topic: String,
    partition: i32,
    offset: i64,
    error: Option<RDKafkaErrorCode>,
}

/// Commits `offsets`, or every offset stored since the last commit when `None`, waits for the
/// broker and reports each partition's answer. Nothing to commit is success.
pub(crate) fn commit(
    consumer: &KafkaConsumer,
    offsets: Option<&TopicPartitionList>,
) -> KafkaResult<()> {
    let context = consumer.context();
    // The lock guards no data, so a panic while holding it leaves nothing inconsistent.
    let _turn = context
        .commit_turn()
        .0
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    let mut answers: Vec<PartitionAnswer> = Vec::new();
    let list = offsets.map_or(ptr::null(), |offsets| offsets.ptr().cast_const());
    // SAFETY: the consumer (and so its `rd_kafka_t`) and `offsets` are borrowed for the whole
    // call. Without a queue, `rd_kafka_commit_queue` waits for the commit and calls `answered`
    // on this thread before it returns, so `answers` outlives every use of its address.
    #[allow(unsafe_code)]
    let code = unsafe {
        sys::rd_kafka_commit_queue(
            consumer.client().native_ptr(),
            list,
            ptr::null_mut(),
            Some(answered),
            ptr::from_mut(&mut answers).cast(),
        )
    };
    for answer in &answers {
        match answer.error {
            None => commit_acknowledged(
                context.name(),
                &answer.topic,
                answer.partition,
                answer.offset,
            ),
            Some(error) => {
                commit_refused(context.name(), &answer.topic, answer.partition, error);
            }
        }
    }
    match RDKafkaErrorCode::from(code) {
        RDKafkaErrorCode::NoError | RDKafkaErrorCode::NoOffset => Ok(()),
        error => Err(KafkaError::ConsumerCommit(error)),
    }
}

/// Collects a commit's per-partition answers into the `Vec<PartitionAnswer>` at `opaque`.
#[allow(unsafe_code)]
unsafe extern "C" fn answered(
    _: *mut sys::rd_kafka_t,
    _: sys::rd_kafka_resp_err_t,
    offsets: *mut sys::rd_kafka_topic_partition_list_t,
    opaque: *mut c_void,
) {
    if offsets.is_null() {
        return;
    }
    // SAFETY: `opaque` is the `Vec` `commit` passed, alive and not otherwise borrowed while
    // librdkafka runs this callback inside `rd_kafka_commit_queue`. `offsets` is a valid list
    // librdkafka owns for the duration of the call: `cnt` elements at `elems`, each with a
    // NUL-terminated topic name.
    unsafe {
        let answers = &mut *opaque.cast::<Vec<PartitionAnswer>>();
        let list = &*offsets;
        let count = usize::try_from(list.cnt).unwrap_or(0);
        for element in (0..count).map(|index| &*list.elems.add(index)) {
            if element.offset < 0 {
                continue;
            }
            answers.push(PartitionAnswer {
                topic: CStr::from_ptr(element.topic).to_string_lossy().into_owned(),
                partition: element.partition,
                offset: element.offset,
                error: (element.err != RD_KAFKA_RESP_ERR_NO_ERROR)
                    .then(|| RDKafkaErrorCode::from(element.err)),
            });
        }
    }
}

/// When the listener commits what was stored: every `auto.commit.interval.ms`.
#[derive(Debug)]
pub(crate) struct CommitInterval {
    every: Duration,
    next: Instant,
}

impl CommitInterval {
    pub(crate) fn new(every: Duration, now: Instant) -> Self {
        Self {
            every,
            next: now + every,
        }
    }

    /// Whether a commit is due at `now`; if so, the next one is due `every` after `now`.
    pub(crate) fn due(&mut self, now: Instant) -> bool {
        if now < self.next {
            return false;
        }
        self.next = now + self.every;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_commit_is_due_once_per_interval_counted_from_the_last() {
        let start = Instant::now();
        let second = Duration::from_secs(1);
        let mut interval = CommitInterval::new(second, start);
        assert!(!interval.due(start));
        assert!(!interval.due(start + second / 2));
        assert!(interval.due(start + second));
        assert!(!interval.due(start + second + second / 2));
        // A commit that took long (a coordinator failover) does not make the next one hurry.
        assert!(interval.due(start + second * 10));
        assert!(!interval.due(start + second * 10 + second / 2));
        assert!(interval.due(start + second * 11));
    }
}
