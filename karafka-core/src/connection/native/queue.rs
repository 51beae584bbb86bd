//! A partition's fetch queue, drained in batches through librdkafka's C API.
//!
//! rust-rdkafka reads a partition queue one message per call, wrapping each in an event and an
//! `Arc` and reading the clock each time; `rd_kafka_consume_batch_queue` hands out a whole batch
//! per call. On the consumer's hot path that is the difference between keeping up with a raw
//! librdkafka loop and falling behind it, so this module talks to librdkafka directly.

use std::ffi::{c_void, CStr};
use std::ptr::{self, NonNull};
use std::sync::Arc;

use rdkafka::consumer::Consumer as _;
use rdkafka_sys as sys;
use rdkafka_sys::rd_kafka_resp_err_t::{
    RD_KAFKA_RESP_ERR_NO_ERROR, RD_KAFKA_RESP_ERR__PARTITION_EOF,
};
use rdkafka_sys::types::RDKafkaErrorCode;
use tokio::sync::Notify;

use super::message::ConsumedMessage;
use crate::connection::KafkaConsumer;
use crate::messages::{Message, Origin};

/// An owned librdkafka queue handle, destroyed in `Drop`.
struct PartitionQueue(NonNull<sys::rd_kafka_queue_t>);

// SAFETY: librdkafka queue handles may be used from any thread (its queues lock internally).
unsafe impl Send for PartitionQueue {}
// SAFETY: as above; the handle is only passed to librdkafka, which serialises access to the queue.
unsafe impl Sync for PartitionQueue {}

impl PartitionQueue {
    fn as_ptr(&self) -> *mut sys::rd_kafka_queue_t {
        self.0.as_ptr()
    }
}

impl Drop for PartitionQueue {
    fn drop(&mut self) {
        // SAFETY: the handle is valid (we own it) until destroyed here, exactly once. Its client
        // is still alive: the queue is held either by `NativeQueue::split`, which borrows the
        // consumer, or by a `NativeQueue`, whose `_consumer` field is dropped after it.
        unsafe { sys::rd_kafka_queue_destroy(self.as_ptr()) };
    }
}

/// One partition's fetch queue, split from the consumer queue.
pub(crate) struct NativeQueue {
    /// Declared (so dropped) before `ready` and `_consumer`: destroyed after [`NativeQueue`]'s
    /// `Drop` unregistered the callback, and while the client is still alive.
    queue: PartitionQueue,
    /// Registered with librdkafka as the wake-up callback's argument; boxed so its address is
    /// stable, and dropped only after the callback is unregistered.
    ready: Box<Notify>,
    /// Keeps the client alive for as long as the queue.
    _consumer: Arc<KafkaConsumer>,
}

/// Called by librdkafka (under the queue's lock) when the queue goes from empty to non-empty.
unsafe extern "C" fn wake(_: *mut sys::rd_kafka_t, opaque: *mut c_void) {
    // SAFETY: `opaque` is the address of the `Notify` boxed in `NativeQueue::ready`, which
    // outlives the registration (unregistered in `Drop` before the box is freed).
    let ready = unsafe { &*(opaque as *const Notify) };
    ready.notify_one();
}

/// A fetch error of the partition, reported instead of a message.
#[derive(Debug)]
pub(crate) struct FetchError(pub(crate) RDKafkaErrorCode);

/// What a drain met besides messages.
#[derive(Debug, Default)]
pub(crate) struct Drained {
    /// The partition's fetch errors.
    pub(crate) errors: Vec<FetchError>,
    /// Where librdkafka last reported the partition's end (`enable.partition.eof`): the offset
    /// the next message will have.
    pub(crate) end: Option<i64>,
}

impl NativeQueue {
    /// Splits the partition's fetch queue from the consumer queue, so its messages arrive only
    /// here, and signals [`NativeQueue::ready`] whenever it becomes non-empty. librdkafka keeps
    /// the split for the life of the client.
    pub(crate) fn split(
        consumer: &Arc<KafkaConsumer>,
        topic: &CStr,
        partition: i32,
    ) -> Option<Self> {
        let client = consumer.client().native_ptr();
        // SAFETY: `client` is alive (borrowed through `consumer`) and `topic` is NUL-terminated.
        // The returned handle is ours to destroy, which `PartitionQueue` does from here on.
        let queue = PartitionQueue(NonNull::new(unsafe {
            sys::rd_kafka_queue_get_partition(client, topic.as_ptr(), partition)
        })?);
        let queue = Self {
            queue,
            ready: Box::new(Notify::new()),
            _consumer: Arc::clone(consumer),
        };
        let opaque = &*queue.ready as *const Notify as *mut c_void;
        // SAFETY: `queue.queue` is a valid handle we own; forwarding to null detaches it from the
        // consumer queue, and the callback argument lives as long as the registration (`Drop`
        // of `NativeQueue` unregisters it before the box is freed).
        unsafe {
            sys::rd_kafka_queue_forward(queue.queue.as_ptr(), ptr::null_mut());
            sys::rd_kafka_queue_cb_event_enable(queue.queue.as_ptr(), Some(wake), opaque);
        }
        Some(queue)
    }

    /// The signal of new messages.
    pub(crate) fn ready(&self) -> &Notify {
        &self.ready
    }

    /// Moves up to `max` waiting messages into `batch` without blocking, copying each out of
    /// librdkafka; returns the partition's fetch errors and end events met on the way.
    pub(crate) fn drain(
        &self,
        max: usize,
        origin: &Arc<Origin>,
        batch: &mut Vec<Message>,
    ) -> Drained {
        let mut drained = Drained::default();
        if max == 0 {
            return drained;
        }
        let mut raw: Vec<*mut sys::rd_kafka_message_t> = Vec::with_capacity(max);
        // SAFETY: `raw` has room for `max` pointers; librdkafka writes at most `max` and returns
        // how many (or -1 on error, when it writes none).
        let count = unsafe {
            sys::rd_kafka_consume_batch_queue(self.queue.as_ptr(), 0, raw.as_mut_ptr(), max)
        };
        let Ok(count) = usize::try_from(count) else {
            return drained;
        };
        // SAFETY: librdkafka initialised the first `count` pointers.
        unsafe { raw.set_len(count) };
        // Owned from here on (collected into `raw`'s buffer): each message is destroyed once
        // handled, and the rest too should a copy panic.
        let messages: Vec<ConsumedMessage> = raw
            .into_iter()
            .filter_map(|message| {
                // SAFETY: each pointer is a valid message librdkafka handed over to us, taken
                // exactly once.
                unsafe { ConsumedMessage::from_ptr(message) }
            })
            .collect();
        for message in messages {
            match message.error() {
                RD_KAFKA_RESP_ERR_NO_ERROR => batch.push(message.copy(origin)),
                RD_KAFKA_RESP_ERR__PARTITION_EOF => drained.end = Some(message.offset()),
                code => drained.errors.push(FetchError(code.into())),
            }
        }
        drained
    }
}

impl Drop for NativeQueue {
    fn drop(&mut self) {
        // SAFETY: the handle is valid until the `queue` field is dropped, right after this;
        // unregistering the callback first guarantees librdkafka no longer reads `ready` once it
        // is freed (the field after `queue`).
        unsafe {
            sys::rd_kafka_queue_cb_event_enable(self.queue.as_ptr(), None, ptr::null_mut());
        }
    }
}
