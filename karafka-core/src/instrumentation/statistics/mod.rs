//! librdkafka's statistics, as typed figures.
//!
//! With `statistics.interval.ms` set in a subscription group's `kafka` settings, librdkafka
//! reports a JSON document of its internals at that interval; the runtime parses it into
//! [`Statistics`] (through rdkafka's model of the document) and emits it as [`Event::StatisticsEmitted`](super::Event::StatisticsEmitted).
//! Only what operators watch is kept: per partition the consumer lag, fetch state, offsets and
//! watermarks; per broker the round-trip time; the consumer group's state.

mod convert;
mod model;

pub use model::{BrokerStatistics, GroupStatistics, PartitionStatistics, Statistics};
