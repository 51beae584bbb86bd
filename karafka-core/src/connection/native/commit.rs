//! A synchronous offset commit that reports the broker's answer for each partition.
//!
//! rust-rdkafka's synchronous commit returns one error code and never reports which offsets
//! were committed (its commit callback only sees asynchronous commits), so this calls
//! `rd_kafka_commit_queue` without a queue: synchronous, with a callback that receives the
//! committed offsets.

use std::ffi::{c_void, CStr};
use std::ptr;

use rdkafka::consumer::Consumer as _;
use rdkafka::TopicPartitionList;
use rdkafka_sys as sys;
use rdkafka_sys::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR;
use rdkafka_sys::types::RDKafkaErrorCode;

use crate::connection::KafkaConsumer;

/// One partition of a commit, as the broker answered it.
#[derive(Debug)]
pub(crate) struct PartitionAnswer {
    pub(crate) topic: String,
    pub(crate) partition: i32,
    pub(crate) offset: i64,
    pub(crate) error: Option<RDKafkaErrorCode>,
}

/// Commits `offsets`, or every offset stored since the last commit when `None`, and waits for
/// the broker. Returns the commit's error code and each partition's answer.
pub(crate) fn commit_and_wait(
    consumer: &KafkaConsumer,
    offsets: Option<&TopicPartitionList>,
) -> (RDKafkaErrorCode, Vec<PartitionAnswer>) {
    let mut answers: Vec<PartitionAnswer> = Vec::new();
    let list = offsets.map_or(ptr::null(), |offsets| offsets.ptr().cast_const());
    // SAFETY: the consumer (and so its `rd_kafka_t`) and `offsets` are borrowed for the whole
    // call. Without a queue, `rd_kafka_commit_queue` waits for the commit and calls `answered`
    // on this thread before it returns, so `answers` outlives every use of its address.
    let code = unsafe {
        sys::rd_kafka_commit_queue(
            consumer.client().native_ptr(),
            list,
            ptr::null_mut(),
            Some(answered),
            ptr::from_mut(&mut answers).cast(),
        )
    };
    (RDKafkaErrorCode::from(code), answers)
}

/// Collects a commit's per-partition answers into the `Vec<PartitionAnswer>` at `opaque`.
unsafe extern "C" fn answered(
    _: *mut sys::rd_kafka_t,
    _: sys::rd_kafka_resp_err_t,
    offsets: *mut sys::rd_kafka_topic_partition_list_t,
    opaque: *mut c_void,
) {
    if offsets.is_null() {
        return;
    }
    // SAFETY: `opaque` is the `Vec` `commit_and_wait` passed, alive and not otherwise borrowed
    // while librdkafka runs this callback inside `rd_kafka_commit_queue`. `offsets` is a valid
    // list librdkafka owns for the duration of the call: `cnt` elements at `elems`, each with a
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
