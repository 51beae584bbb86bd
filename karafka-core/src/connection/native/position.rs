//! librdkafka's position in a partition: one past the last record it served to the application,
//! transaction markers included, which it never hands out as messages.
//!
//! rust-rdkafka's `Consumer::position` reads the whole assignment; this reads one partition.

use std::ffi::CStr;
use std::ptr::NonNull;

use rdkafka::consumer::Consumer as _;
use rdkafka_sys as sys;
use rdkafka_sys::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR;

use crate::connection::KafkaConsumer;

/// An owned librdkafka partition list, destroyed in `Drop`.
struct PartitionList(NonNull<sys::rd_kafka_topic_partition_list_t>);

impl PartitionList {
    /// An empty list with room for `size` partitions; `None` only if librdkafka returned null
    /// (it aborts on allocation failure instead).
    fn new(size: i32) -> Option<Self> {
        // SAFETY: plain constructor; the returned list is ours to destroy, which `Drop` does.
        NonNull::new(unsafe { sys::rd_kafka_topic_partition_list_new(size) }).map(Self)
    }

    fn as_ptr(&self) -> *mut sys::rd_kafka_topic_partition_list_t {
        self.0.as_ptr()
    }
}

impl Drop for PartitionList {
    fn drop(&mut self) {
        // SAFETY: we own the list and destroy it exactly once, here; no pointer into it is used
        // afterwards (elements are read only while the list lives).
        unsafe { sys::rd_kafka_topic_partition_list_destroy(self.as_ptr()) };
    }
}

/// The position of `topic`/`partition`: the offset after the last record served from its queue,
/// or `None` when librdkafka has none (nothing served since the assignment or the last seek).
pub(crate) fn position(consumer: &KafkaConsumer, topic: &CStr, partition: i32) -> Option<i64> {
    let list = PartitionList::new(1)?;
    // SAFETY: `list` is a valid list we own, alive (and never escaping) until the end of this
    // function, so `element`, which points into it, is read only while it lives. `topic` is
    // NUL-terminated and copied by librdkafka. The consumer (and so its `rd_kafka_t`) is
    // borrowed for the whole call; `rd_kafka_position` only fills in the list's elements.
    unsafe {
        let element =
            sys::rd_kafka_topic_partition_list_add(list.as_ptr(), topic.as_ptr(), partition);
        let error = sys::rd_kafka_position(consumer.client().native_ptr(), list.as_ptr());
        let offset = (*element).offset;
        let element_error = (*element).err;
        (error == RD_KAFKA_RESP_ERR_NO_ERROR
            && element_error == RD_KAFKA_RESP_ERR_NO_ERROR
            && offset >= 0)
            .then_some(offset)
    }
}
