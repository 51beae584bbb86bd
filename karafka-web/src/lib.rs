//! The web UI of karafka, in the open: what Karafka's Web UI shows and the operations it sells.
//!
//! Every server process with the [`Web`] plugin and `[web] enabled = true` reports its state
//! and errors into Kafka ([`report`]); the UI reads only Kafka, so it shows every process on
//! every machine and survives their restarts. Commands (pause or resume a partition, quiet or
//! stop a process) travel through a commands topic that each process consumes and answers
//! ([`commands`]); dead letters can be listed and replayed ([`dlq`]).

mod cli;
pub mod commands;
pub mod dlq;
mod error;
pub mod report;
mod reporter;
pub mod ui;

pub use cli::{install, topics, Commands, WebTopic};
pub use error::WebError;
pub use reporter::Web;
pub use ui::Ui;
