//! librdkafka's position in a partition: one past the last record it served to the application,
//! transaction markers included, which it never hands out as messages.
//!
//! rust-rdkafka's `Consumer::position` reads the whole assignment; this reads one partition.

use std::ffi::CStr;

use rdkafka::consumer::Consumer as _;
use rdkafka_sys as sys;
use rdkafka_sys::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR;

use super::KafkaConsumer;

/// The position of `topic`/`partition`: the offset after the last record served from its queue,
/// or `None` when librdkafka has none (nothing served since the assignment or the last seek).
#[allow(unsafe_code)]
pub(crate) fn position(consumer: &KafkaConsumer, topic: &CStr, partition: i32) -> Option<i64> {
    // SAFETY: the list is created, read and destroyed here and never escapes. `topic` is
    // NUL-terminated and copied by librdkafka. The consumer (and so its `rd_kafka_t`) is
    // borrowed for the whole call; `rd_kafka_position` only fills in the list's elements.
    unsafe {
        let list = sys::rd_kafka_topic_partition_list_new(1);
        let element = sys::rd_kafka_topic_partition_list_add(list, topic.as_ptr(), partition);
        let error = sys::rd_kafka_position(consumer.client().native_ptr(), list);
        let offset = (*element).offset;
        let element_error = (*element).err;
        sys::rd_kafka_topic_partition_list_destroy(list);
        (error == RD_KAFKA_RESP_ERR_NO_ERROR
            && element_error == RD_KAFKA_RESP_ERR_NO_ERROR
            && offset >= 0)
            .then_some(offset)
    }
}
