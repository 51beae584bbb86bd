//! The reliability suite: a subject app that logs what it handles, a driver that produces,
//! injects faults and samples committed offsets, and an auditor that checks the run's history.

pub mod audit;
pub mod exactly_once;
pub mod handover;
pub mod history;
pub mod matrix;
pub mod proxy;
pub mod zombie;
