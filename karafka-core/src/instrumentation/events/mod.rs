//! Typed events of the runtime, for listeners of the app's own (metrics, alerts, tests).
//!
//! The runtime emits an [`Event`] at each step worth watching: a batch handed to a consumer and
//! its outcome, errors, retries, pauses, seeks, rebalances, dead-letter dispatches, acknowledged
//! commits, the server's state. [`AppBuilder::listener`](crate::AppBuilder::listener) attaches a
//! [`Listener`] (or a closure); several may be attached. Listeners run on the thread that emits,
//! in the order attached: keep them quick (hand slow work to a channel). A panicking listener is
//! logged, reported to the others as an `error.occurred` of kind `listener`, and never stops
//! the runtime. Every app has one listener built in, the logger that writes the runtime's log
//! lines from these events; scenario 7 of `scripts/bench` measures what the app's own cost.

mod event;
mod listener;
mod monitor;

pub use event::{AppState, Batch, ErrorKind, Event, FailedJob};
pub use listener::Listener;
pub(crate) use monitor::Monitor;
