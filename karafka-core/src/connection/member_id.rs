//! The member id librdkafka holds for a consumer in its group.
//!
//! rust-rdkafka does not expose it; the listener reads it to know when a member has left its
//! group (librdkafka clears the id as it sends LeaveGroup).

use std::ffi::CStr;

use rdkafka::consumer::Consumer as _;

use super::KafkaConsumer;

/// The consumer's member id: empty when it is not (or no longer) in its group.
#[allow(unsafe_code)]
pub(crate) fn member_id(consumer: &KafkaConsumer) -> String {
    // SAFETY: the consumer (and so its `rd_kafka_t`) is borrowed for the whole call.
    // `rd_kafka_memberid` returns NULL or a NUL-terminated string the caller owns; it is copied
    // and then released with `rd_kafka_mem_free`, as librdkafka requires.
    unsafe {
        let client = consumer.client().native_ptr();
        let id = rdkafka_sys::rd_kafka_memberid(client);
        if id.is_null() {
            return String::new();
        }
        let owned = CStr::from_ptr(id).to_string_lossy().into_owned();
        rdkafka_sys::rd_kafka_mem_free(client, id.cast());
        owned
    }
}
