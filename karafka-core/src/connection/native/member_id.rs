//! The member id librdkafka holds for a consumer in its group.
//!
//! rust-rdkafka does not expose it; the listener reads it to know when a member has left its
//! group (librdkafka clears the id as it sends LeaveGroup).

use std::ffi::{c_char, CStr};
use std::ptr::NonNull;

use rdkafka::consumer::Consumer as _;

use crate::connection::KafkaConsumer;

/// A NUL-terminated string librdkafka allocated for the caller, released with
/// `rd_kafka_mem_free` in `Drop`.
struct AllocatedString<'a> {
    text: NonNull<c_char>,
    /// The client that allocated it, borrowed so it outlives the string.
    consumer: &'a KafkaConsumer,
}

impl AllocatedString<'_> {
    fn to_string_lossy(&self) -> String {
        // SAFETY: `text` is a valid NUL-terminated string we own until `Drop`, and the result is
        // copied before it is freed.
        unsafe { CStr::from_ptr(self.text.as_ptr()) }
            .to_string_lossy()
            .into_owned()
    }
}

impl Drop for AllocatedString<'_> {
    fn drop(&mut self) {
        // SAFETY: librdkafka allocated `text` for us; it is released exactly once, here, with
        // `rd_kafka_mem_free` on its own (still borrowed, so alive) client, as librdkafka
        // requires.
        unsafe {
            rdkafka_sys::rd_kafka_mem_free(
                self.consumer.client().native_ptr(),
                self.text.as_ptr().cast(),
            );
        }
    }
}

/// The consumer's member id: empty when it is not (or no longer) in its group.
pub(crate) fn member_id(consumer: &KafkaConsumer) -> String {
    // SAFETY: the consumer (and so its `rd_kafka_t`) is borrowed for the whole call.
    // `rd_kafka_memberid` returns NULL or a NUL-terminated string the caller owns, which
    // `AllocatedString` takes over.
    let id =
        NonNull::new(unsafe { rdkafka_sys::rd_kafka_memberid(consumer.client().native_ptr()) });
    id.map_or_else(String::new, |text| {
        AllocatedString { text, consumer }.to_string_lossy()
    })
}
