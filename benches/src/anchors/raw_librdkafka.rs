//! The ceiling of the dependency: a librdkafka consumer driven through its C API, no Rust client
//! in between. It subscribes like the baseline (same settings, a fresh group), then loops on
//! `rd_kafka_consume_batch_queue` over the consumer queue (every partition's fetch queue
//! forwards to it), reads each message's length and offset, and stores the last offset of each
//! partition in a batch, as karafka marks each batch; librdkafka commits them every 5 s.
//!
//! All of this file's `unsafe` is here, each handle owned by a type that frees it in `Drop`.

#![allow(unsafe_code)]

use std::ffi::{c_char, CStr, CString};
use std::ptr::NonNull;

use anyhow::{bail, Context as _};
use rdkafka_sys as sys;
use rdkafka_sys::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR;
use rdkafka_sys::types::RDKafkaErrorCode;

use crate::baseline;
use crate::spec::{Counter, Outcome, Run, Workload};

/// Messages asked for per call: librdkafka returns as soon as this many are queued (or the
/// timeout passed), so a large batch costs no latency on a backlog.
const BATCH: usize = 1_000;
/// How long a call waits for its batch to fill: on a backlog the batch fills first, except while
/// the group assigns the partitions.
const POLL_MS: i32 = 100;
/// "Any partition" (`RD_KAFKA_PARTITION_UA`, a C macro the bindings lack): a subscription names
/// topics, not partitions.
const ANY_PARTITION: i32 = -1;
/// Room for librdkafka's error texts.
const ERROR_TEXT: usize = 512;

/// Drains `run.messages` messages of `run.topic` from the first message handled to the last.
pub(crate) fn run(run: &Run, group: &str) -> anyhow::Result<Outcome> {
    if run.workload != Workload::Noop {
        bail!(
            "the raw librdkafka loop only passes messages through, not {:?}",
            run.workload
        );
    }
    let consumer = Consumer::subscribe(&baseline::settings(run, group), &run.topic)?;
    let mut batch: Vec<*mut sys::rd_kafka_message_t> = Vec::with_capacity(BATCH);
    let mut counter = Counter::default();
    while counter.messages < run.messages {
        // Never more than the backlog still holds, so the last call returns with the last
        // message instead of waiting out its timeout for messages that do not exist.
        let left = run.messages - counter.messages;
        let wanted = usize::try_from(left).map_or(BATCH, |left| left.min(BATCH));
        consumer.consume_batch(&mut batch, wanted)?;
        if batch.is_empty() {
            continue;
        }
        counter.begin();
        let (mut handled, mut bytes) = (0, 0);
        // The latest message of the partition being read: its offset is stored when the batch
        // moves on to another partition or ends.
        let mut latest: Option<Message> = None;
        for message in batch.drain(..) {
            // SAFETY: librdkafka handed each pointer of the batch over to us, and `drain` takes
            // each exactly once.
            let Some(message) = (unsafe { Message::from_ptr(message) }) else {
                continue;
            };
            message.check()?;
            bytes += message.len() as u64;
            handled += 1;
            if let Some(previous) = &latest {
                if previous.partition() != message.partition() {
                    previous.store_offset()?;
                }
            }
            latest = Some(message);
        }
        if let Some(message) = latest {
            message.store_offset()?;
        }
        counter.handled(handled, bytes);
    }
    Ok(counter.outcome())
}

/// A subscribed consumer and its consumer queue.
struct Consumer {
    /// Declared (so dropped) before `_client`: librdkafka wants every queue handle destroyed
    /// before its client.
    queue: Queue,
    _client: Client,
}

impl Consumer {
    /// Creates a consumer with `settings` and subscribes it to `topic`.
    fn subscribe(settings: &[(String, String)], topic: &str) -> anyhow::Result<Self> {
        let conf = Conf::new(settings)?;
        let client = Client::new(conf)?;
        let topic = CString::new(topic)?;
        // SAFETY: `client` is a valid consumer. Its main queue (errors, logs, stats) then
        // forwards to the consumer queue, which the loop serves.
        check(unsafe { sys::rd_kafka_poll_set_consumer(client.as_ptr()) })
            .context("forwarding the main queue")?;
        // SAFETY: the list is freshly allocated and destroyed below, after `rd_kafka_subscribe`
        // copied it; `topic` is NUL-terminated and outlives the calls.
        unsafe {
            let topics = sys::rd_kafka_topic_partition_list_new(1);
            sys::rd_kafka_topic_partition_list_add(topics, topic.as_ptr(), ANY_PARTITION);
            let subscribed = sys::rd_kafka_subscribe(client.as_ptr(), topics);
            sys::rd_kafka_topic_partition_list_destroy(topics);
            check(subscribed).context("subscribing")?;
        }
        // SAFETY: `client` is a valid consumer; the returned reference is ours to destroy.
        let queue = NonNull::new(unsafe { sys::rd_kafka_queue_get_consumer(client.as_ptr()) })
            .map(Queue)
            .context("librdkafka gave no consumer queue")?;
        Ok(Self {
            queue,
            _client: client,
        })
    }

    /// Replaces `batch`'s contents with up to `wanted` (at most its capacity) messages, waiting
    /// up to [`POLL_MS`] for them. The caller owns the messages.
    fn consume_batch(
        &self,
        batch: &mut Vec<*mut sys::rd_kafka_message_t>,
        wanted: usize,
    ) -> anyhow::Result<()> {
        batch.clear();
        let wanted = wanted.min(batch.capacity());
        // SAFETY: `batch` has room for `wanted` pointers; librdkafka writes at most that many and
        // returns how many (or -1, writing none, when the queue is not a consumer's).
        let count = unsafe {
            sys::rd_kafka_consume_batch_queue(
                self.queue.0.as_ptr(),
                POLL_MS,
                batch.as_mut_ptr(),
                wanted,
            )
        };
        let count = usize::try_from(count).context("rd_kafka_consume_batch_queue failed")?;
        // SAFETY: librdkafka initialised the first `count` (≤ `wanted` ≤ capacity) pointers.
        unsafe { batch.set_len(count) };
        Ok(())
    }
}

/// A configuration not yet handed to a client, destroyed in `Drop`.
struct Conf(NonNull<sys::rd_kafka_conf_t>);

impl Conf {
    /// A configuration with `settings`.
    fn new(settings: &[(String, String)]) -> anyhow::Result<Self> {
        // SAFETY: a fresh configuration, ours until `Client::new` hands it over.
        let conf = NonNull::new(unsafe { sys::rd_kafka_conf_new() })
            .map(Self)
            .context("librdkafka allocated no configuration")?;
        for (name, value) in settings {
            let (name, value) = (CString::new(name.as_str())?, CString::new(value.as_str())?);
            let mut error = [0u8; ERROR_TEXT];
            // SAFETY: `conf` is valid, the strings are NUL-terminated, and `error` has the room
            // the call is told of.
            let set = unsafe {
                sys::rd_kafka_conf_set(
                    conf.0.as_ptr(),
                    name.as_ptr(),
                    value.as_ptr(),
                    error.as_mut_ptr().cast::<c_char>(),
                    error.len(),
                )
            };
            if set != sys::rd_kafka_conf_res_t::RD_KAFKA_CONF_OK {
                bail!("setting {name:?}: {}", text(&error));
            }
        }
        Ok(conf)
    }
}

impl Drop for Conf {
    fn drop(&mut self) {
        // SAFETY: the configuration is still ours (`Client::new` forgets it once librdkafka
        // took it), destroyed exactly once here.
        unsafe { sys::rd_kafka_conf_destroy(self.0.as_ptr()) };
    }
}

/// A consumer client, closed (leaving its group) and destroyed in `Drop`.
struct Client(NonNull<sys::rd_kafka_t>);

impl Client {
    /// A consumer with `conf`, which it takes over.
    fn new(conf: Conf) -> anyhow::Result<Self> {
        let mut error = [0u8; ERROR_TEXT];
        // SAFETY: `conf` is a valid configuration and `error` has the room the call is told of.
        // On success librdkafka owns the configuration; on failure it stays ours.
        let client = unsafe {
            sys::rd_kafka_new(
                sys::rd_kafka_type_t::RD_KAFKA_CONSUMER,
                conf.0.as_ptr(),
                error.as_mut_ptr().cast::<c_char>(),
                error.len(),
            )
        };
        match NonNull::new(client) {
            Some(client) => {
                // librdkafka owns the configuration now: not ours to destroy.
                std::mem::forget(conf);
                Ok(Self(client))
            }
            None => bail!("creating the consumer: {}", text(&error)),
        }
    }

    /// The handle, for librdkafka's calls.
    fn as_ptr(&self) -> *mut sys::rd_kafka_t {
        self.0.as_ptr()
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        // SAFETY: the client is valid and ours; every queue obtained from it was destroyed
        // before (see `Consumer`); it is closed, then destroyed, exactly once.
        unsafe {
            sys::rd_kafka_consumer_close(self.as_ptr());
            sys::rd_kafka_destroy(self.as_ptr());
        }
    }
}

/// A queue reference, destroyed in `Drop`.
struct Queue(NonNull<sys::rd_kafka_queue_t>);

impl Drop for Queue {
    fn drop(&mut self) {
        // SAFETY: the reference is ours and its client still alive (see `Consumer`).
        unsafe { sys::rd_kafka_queue_destroy(self.0.as_ptr()) };
    }
}

/// A consumed message, destroyed in `Drop`.
struct Message(NonNull<sys::rd_kafka_message_t>);

impl Message {
    /// Takes ownership of `message`; `None` when it is null.
    ///
    /// # Safety
    /// `message` must be null or a valid message librdkafka handed over and nothing else uses or
    /// destroys afterwards.
    unsafe fn from_ptr(message: *mut sys::rd_kafka_message_t) -> Option<Self> {
        NonNull::new(message).map(Self)
    }

    /// librdkafka's message struct.
    fn get(&self) -> &sys::rd_kafka_message_t {
        // SAFETY: the message is valid while `self` lives.
        unsafe { self.0.as_ref() }
    }

    /// A fetch or consumer error librdkafka reports in place of a message.
    fn check(&self) -> anyhow::Result<()> {
        check(self.get().err).context("consuming")
    }

    /// The payload's length (its bytes are never read).
    fn len(&self) -> usize {
        self.get().len
    }

    /// The message's partition.
    fn partition(&self) -> i32 {
        self.get().partition
    }

    /// Stores the message's offset + 1 for the next commit.
    fn store_offset(&self) -> anyhow::Result<()> {
        let message = self.get();
        // SAFETY: `rkt` is the message's topic handle, valid while the message lives.
        let stored =
            unsafe { sys::rd_kafka_offset_store(message.rkt, message.partition, message.offset) };
        check(stored).context("storing an offset")
    }
}

impl Drop for Message {
    fn drop(&mut self) {
        // SAFETY: the message is ours (see `from_ptr`), destroyed exactly once here.
        unsafe { sys::rd_kafka_message_destroy(self.0.as_ptr()) };
    }
}

/// A librdkafka error code as a `Result`.
fn check(code: sys::rd_kafka_resp_err_t) -> anyhow::Result<()> {
    if code == RD_KAFKA_RESP_ERR_NO_ERROR {
        Ok(())
    } else {
        bail!("{}", RDKafkaErrorCode::from(code))
    }
}

/// The NUL-terminated text librdkafka wrote into `buffer`.
fn text(buffer: &[u8]) -> String {
    CStr::from_bytes_until_nul(buffer)
        .map(|text| text.to_string_lossy().into_owned())
        .unwrap_or_default()
}
