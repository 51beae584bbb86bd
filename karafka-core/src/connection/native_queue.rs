//! A partition's fetch queue, drained in batches through librdkafka's C API.
//!
//! rust-rdkafka reads a partition queue one message per call, wrapping each in an event and an
//! `Arc` and reading the clock each time; `rd_kafka_consume_batch_queue` hands out a whole batch
//! per call. On the consumer's hot path that is the difference between keeping up with a raw
//! librdkafka loop and falling behind it, so this module talks to librdkafka directly; every
//! pointer stays inside it. (`watermark`, `position` and `member_id` read values rust-rdkafka
//! does not expose for one partition and `commit` learns what a synchronous commit committed;
//! nothing else in the crate calls librdkafka's C API.)

use std::ffi::{c_void, CStr};
use std::ptr::{self, NonNull};
use std::sync::Arc;

use rdkafka::consumer::Consumer as _;
use rdkafka_sys as sys;
use rdkafka_sys::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR;
use rdkafka_sys::types::RDKafkaErrorCode;
use tokio::sync::Notify;

use super::KafkaConsumer;
use crate::messages::{Headers, Message, Origin};

/// One partition's fetch queue, split from the consumer queue.
pub(crate) struct NativeQueue {
    queue: NonNull<sys::rd_kafka_queue_t>,
    /// Registered with librdkafka as the wake-up callback's argument; boxed so its address is
    /// stable, and dropped only after the callback is unregistered.
    ready: Box<Notify>,
    /// Keeps the client alive for as long as the queue.
    _consumer: Arc<KafkaConsumer>,
}

// SAFETY: librdkafka queue handles may be used from any thread (its queues lock internally), and
// the callback argument is a `Notify`, which is `Send + Sync`.
#[allow(unsafe_code)]
unsafe impl Send for NativeQueue {}
// SAFETY: as above; every method takes `&self` and librdkafka serialises access to the queue.
#[allow(unsafe_code)]
unsafe impl Sync for NativeQueue {}

/// Called by librdkafka (under the queue's lock) when the queue goes from empty to non-empty.
#[allow(unsafe_code)]
unsafe extern "C" fn wake(_: *mut sys::rd_kafka_t, opaque: *mut c_void) {
    // SAFETY: `opaque` is the address of the `Notify` boxed in `NativeQueue::ready`, which
    // outlives the registration (unregistered in `Drop` before the box is freed).
    let ready = unsafe { &*(opaque as *const Notify) };
    ready.notify_one();
}

/// A fetch error of the partition, reported instead of a message.
#[derive(Debug)]
pub(crate) struct FetchError(pub(crate) RDKafkaErrorCode);

impl NativeQueue {
    /// Splits the partition's fetch queue from the consumer queue, so its messages arrive only
    /// here, and signals [`NativeQueue::ready`] whenever it becomes non-empty. librdkafka keeps the split for the
    /// life of the client.
    #[allow(unsafe_code)]
    pub(crate) fn split(
        consumer: &Arc<KafkaConsumer>,
        topic: &CStr,
        partition: i32,
    ) -> Option<Self> {
        let client = consumer.client().native_ptr();
        // SAFETY: `client` is alive (borrowed through `consumer`) and `topic` is NUL-terminated.
        let queue = NonNull::new(unsafe {
            sys::rd_kafka_queue_get_partition(client, topic.as_ptr(), partition)
        })?;
        let ready = Box::new(Notify::new());
        let opaque = &*ready as *const Notify as *mut c_void;
        // SAFETY: `queue` is a valid handle we own; forwarding to null detaches it from the
        // consumer queue, and the callback argument lives as long as the registration.
        unsafe {
            sys::rd_kafka_queue_forward(queue.as_ptr(), ptr::null_mut());
            sys::rd_kafka_queue_cb_event_enable(queue.as_ptr(), Some(wake), opaque);
        }
        Some(Self {
            queue,
            ready,
            _consumer: Arc::clone(consumer),
        })
    }

    /// The signal of new messages.
    pub(crate) fn ready(&self) -> &Notify {
        &self.ready
    }

    /// Moves up to `max` waiting messages into `batch` without blocking, copying each out of
    /// librdkafka; returns the partition's fetch errors met on the way.
    #[allow(unsafe_code)]
    pub(crate) fn drain(
        &self,
        max: usize,
        origin: &Arc<Origin>,
        batch: &mut Vec<Message>,
    ) -> Vec<FetchError> {
        let mut errors = Vec::new();
        if max == 0 {
            return errors;
        }
        let mut raw: Vec<*mut sys::rd_kafka_message_t> = Vec::with_capacity(max);
        // SAFETY: `raw` has room for `max` pointers; librdkafka writes at most `max` and returns
        // how many (or -1 on error, when it writes none).
        let count = unsafe {
            sys::rd_kafka_consume_batch_queue(self.queue.as_ptr(), 0, raw.as_mut_ptr(), max)
        };
        let Ok(count) = usize::try_from(count) else {
            return errors;
        };
        // SAFETY: librdkafka initialised the first `count` pointers.
        unsafe { raw.set_len(count) };
        for message in raw {
            // SAFETY: each pointer is a valid message we own until `rd_kafka_message_destroy`,
            // which comes right after it was copied.
            unsafe {
                match (*message).err {
                    RD_KAFKA_RESP_ERR_NO_ERROR => batch.push(copy(message, origin)),
                    code => errors.push(FetchError(code.into())),
                }
                sys::rd_kafka_message_destroy(message);
            }
        }
        errors
    }
}

/// Copies a librdkafka message into an owned [`Message`].
///
/// # Safety
/// `message` must point to a valid message without error, alive for the whole call.
#[allow(unsafe_code)]
unsafe fn copy(message: *mut sys::rd_kafka_message_t, origin: &Arc<Origin>) -> Message {
    // SAFETY (whole function): the caller guarantees `message` is valid; librdkafka's payload
    // and key pointers are valid for their lengths (or null) while the message lives.
    unsafe {
        let bytes = |data: *mut c_void, len: usize| {
            (!data.is_null()).then(|| std::slice::from_raw_parts(data as *const u8, len).to_vec())
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

impl Drop for NativeQueue {
    #[allow(unsafe_code)]
    fn drop(&mut self) {
        // SAFETY: the handle is valid until destroyed here; unregistering the callback first
        // guarantees librdkafka no longer reads `ready` once it is freed.
        unsafe {
            sys::rd_kafka_queue_cb_event_enable(self.queue.as_ptr(), None, ptr::null_mut());
            sys::rd_kafka_queue_destroy(self.queue.as_ptr());
        }
    }
}
