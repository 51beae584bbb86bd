//! The web UI of karafka, in the open: what Karafka's Web UI shows and the operations it sells.
//!
//! Every server process with `[web] enabled = true` reports its state into Kafka
//! ([`report`]); the UI reads only Kafka, so it shows every process on every machine and survives
//! their restarts. Commands (pause or resume a partition, quiet or stop a process) travel through
//! a commands topic that each process consumes and answers.

pub mod report;
