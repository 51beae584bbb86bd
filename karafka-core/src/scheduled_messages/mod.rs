//! Scheduled messages (Karafka Pro's): records produced at a later time, kept in Kafka.
//!
//! App code schedules with [`Producer::schedule`](crate::Producer::schedule): an envelope of the
//! record (its topic, key, partition, headers and payload, and the time) goes to the schedules
//! topic under a new id, its Kafka key. [`Producer::cancel`](crate::Producer::cancel) writes a
//! cancel for an id. The schedules topic is routed with
//! [`Routes::scheduled_messages`](crate::routing::Routes::scheduled_messages) (`routes!`:
//! `scheduled_messages "schedules"`), which declares it compacted and consumes it with the
//! built-in [`ScheduledMessagesConsumer`] in a consumer group of its own.
//!
//! The state is the topic itself. On every assignment the consumer reads its partition from
//! the beginning and rebuilds the schedule (an envelope followed by a cancel or a tombstone
//! of its id is done); only once it read the partition to its end does it dispatch. It then
//! dispatches each due message, waits for the broker's acknowledgement, and writes a tombstone
//! (the id as key, no payload), so an owner after a restart, a rebalance or a crash skips it.
//!
//! # Tolerance
//!
//! A message is never dispatched before its time. On a loaded partition it is dispatched within
//! the periodic interval of the route (500 ms by default) plus the round trip of producing it:
//! about a second at most on a healthy cluster. After an assignment, due messages wait until
//! the partition was read to its end. A time up to
//! [`PAST_TOLERANCE`](crate::producer::PAST_TOLERANCE) (10 s) in the past is dispatched at once;
//! further back, scheduling refuses it.
//!
//! A message whose dispatch fails (a partition its topic lacks, a broker that does not answer
//! within `message.timeout.ms`) stays due: it is tried again on the next batch or tick, and the
//! failure is reported as the batch's or tick's error. It holds back no other message, so
//! messages due together may then reach one target partition out of time order.
//!
//! # Exactly once with a transactional producer
//!
//! With a transactional app producer (`producer.kafka."transactional.id"`), a dispatch and its
//! tombstone are one transaction: a crash commits both or neither, so `read_committed` readers
//! of the target see each message once. Without one they are two writes, the tombstone after
//! the dispatch was acknowledged: a crash between the two leaves the message to be dispatched
//! again by the next owner (at least once).

mod consumer;
mod dispatcher;
mod schedule;
mod state;

pub use consumer::ScheduledMessagesConsumer;
