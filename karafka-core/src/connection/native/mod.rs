#![allow(unsafe_code)]
//! The crate's only calls into librdkafka's C API.
//!
//! rust-rdkafka covers almost everything the runtime needs; these modules reach past it where it
//! is too slow or does not expose what librdkafka knows:
//!
//! - [`queue`]: a partition's fetch queue split from the consumer queue ([`NativeQueue`]), with a
//!   wake-up callback for when it becomes non-empty and a batch drain through
//!   `rd_kafka_consume_batch_queue` (rust-rdkafka reads one message per call).
//! - [`message`]: copies a librdkafka message (payload, key, headers, timestamp) into an owned
//!   [`Message`](crate::messages::Message) and destroys the original in `Drop`.
//! - [`watermark`]: the high watermark librdkafka cached from its last fetch response for one
//!   partition, without a broker round trip.
//! - [`position`]: librdkafka's position in one partition (rust-rdkafka reads the whole
//!   assignment).
//! - [`member_id`]: the consumer's member id in its group (not exposed by rust-rdkafka).
//! - [`oauth`]: a client's SASL/OAUTHBEARER token, set directly for the admin clients nothing
//!   polls (rust-rdkafka answers refresh events only while polling).
//! - [`commit`]: a synchronous commit that also reports the broker's answer for each partition
//!   (rust-rdkafka's returns one error code).
//!
//! Rules every `unsafe` block here keeps, so no pointer escapes this module:
//!
//! - The client (`rd_kafka_t`) is never stored as a raw pointer beyond a call: each call borrows
//!   a [`KafkaConsumer`](super::KafkaConsumer) for its whole length, and a handle that outlives
//!   the call ([`NativeQueue`]) holds an `Arc` of the consumer so the client outlives it.
//! - Every handle librdkafka creates for us (the partition queue, a consumed message, a partition
//!   list, a string it allocated) is held in a small owned type whose `Drop` frees it, as
//!   rust-rdkafka does, so an early return or a panic cannot leak it. Pointers into such a handle
//!   are read only while it lives.
//! - A callback's argument outlives its registration: [`NativeQueue`] unregisters its wake-up
//!   callback before freeing the `Notify` it points at; the commit callback's argument lives on
//!   the stack of the synchronous call that runs it.
//! - Every `unsafe` block carries a `SAFETY` comment saying why it holds.

mod commit;
mod member_id;
mod message;
mod oauth;
mod position;
mod queue;
mod watermark;

pub(super) use commit::commit_and_wait;
pub(super) use member_id::member_id;
pub(crate) use oauth::set_oauth_token;
pub(super) use position::position;
pub(super) use queue::NativeQueue;
pub(super) use watermark::cached_high_watermark;
