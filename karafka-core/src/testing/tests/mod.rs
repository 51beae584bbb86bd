//! The runtime's own rules, unit-tested on the in-memory backend in virtual time: retries and
//! their backoff, the batching rule, the dead-letter job, virtual partitions, revocations. The
//! broker tests (`tests/`) check the same behaviour end to end against Kafka.

mod batching;
mod dead_letter_queue;
mod deserializers;
mod events;
mod holds;
mod hooks;
mod insights;
mod jobs;
mod producer_layers;
mod quiet;
mod recorder;
mod retries;
mod revocation;
mod scheduled_messages;
mod spans;
#[cfg(feature = "opentelemetry")]
mod trace_context;
mod transactions;
mod virtual_partitions;
