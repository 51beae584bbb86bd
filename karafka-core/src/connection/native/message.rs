//! A message consumed through librdkafka's C API, copied out into an owned [`Message`].

use std::ffi::{c_void, CStr};
use std::ptr::{self, NonNull};
use std::sync::Arc;

use rdkafka_sys as sys;
use rdkafka_sys::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR;

use crate::messages::{Headers, Message, Origin};

/// A message librdkafka handed over, destroyed in `Drop`.
pub(super) struct ConsumedMessage(NonNull<sys::rd_kafka_message_t>);

impl ConsumedMessage {
    /// Takes ownership of `message`; `None` when it is null.
    ///
    /// # Safety
    /// `message` must be null or a valid message the caller owns (returned by librdkafka and not
    /// yet destroyed); it is destroyed when the returned value is dropped, so it must not be used
    /// or destroyed elsewhere afterwards.
    pub(super) unsafe fn from_ptr(message: *mut sys::rd_kafka_message_t) -> Option<Self> {
        NonNull::new(message).map(Self)
    }

    /// The message's error code: `RD_KAFKA_RESP_ERR_NO_ERROR` for a message, anything else for
    /// an error librdkafka reports in its place.
    pub(super) fn error(&self) -> sys::rd_kafka_resp_err_t {
        // SAFETY: the message is valid while `self` lives.
        unsafe { self.0.as_ref().err }
    }

    /// The message's offset; for a partition-end event, the offset the next message will have.
    pub(super) fn offset(&self) -> i64 {
        // SAFETY: the message is valid while `self` lives.
        unsafe { self.0.as_ref().offset }
    }

    /// Copies the message into an owned [`Message`]. Meant for a message without error (for an
    /// error, the payload is librdkafka's error text).
    pub(super) fn copy(&self, origin: &Arc<Origin>) -> Message {
        let message = self.0.as_ptr();
        // SAFETY (whole block): `message` is valid while `self` lives, which outlasts this call;
        // librdkafka's payload and key pointers are valid for their lengths (or null), and its
        // header names NUL-terminated, while the message lives. Everything is copied out before
        // returning.
        unsafe {
            let bytes = |data: *mut c_void, len: usize| {
                (!data.is_null())
                    .then(|| std::slice::from_raw_parts(data as *const u8, len).to_vec())
            };
            let raw = &*message;
            let mut copied =
                Message::from_parts(Arc::clone(origin), raw.offset, bytes(raw.payload, raw.len));
            if let Some(key) = bytes(raw.key, raw.key_len) {
                copied = copied.with_key(key);
            }
            let mut headers = ptr::null_mut();
            if sys::rd_kafka_message_headers(message, &mut headers) == RD_KAFKA_RESP_ERR_NO_ERROR {
                let mut all = Headers::new();
                let (mut name, mut value, mut size) = (ptr::null(), ptr::null(), 0);
                let mut index = 0;
                while sys::rd_kafka_header_get_all(headers, index, &mut name, &mut value, &mut size)
                    == RD_KAFKA_RESP_ERR_NO_ERROR
                {
                    let key = CStr::from_ptr(name).to_string_lossy().into_owned();
                    all.insert(key, bytes(value as *mut c_void, size));
                    index += 1;
                }
                copied = copied.with_headers(all);
            }
            let mut kind = sys::rd_kafka_timestamp_type_t::RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
            let timestamp = sys::rd_kafka_message_timestamp(message, &mut kind);
            if kind != sys::rd_kafka_timestamp_type_t::RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
                && timestamp >= 0
            {
                copied = copied.with_timestamp_millis(timestamp);
            }
            copied
        }
    }
}

impl Drop for ConsumedMessage {
    fn drop(&mut self) {
        // SAFETY: we own the message (see `from_ptr`) and destroy it exactly once, here; nothing
        // copied out of it points into it.
        unsafe { sys::rd_kafka_message_destroy(self.0.as_ptr()) };
    }
}
