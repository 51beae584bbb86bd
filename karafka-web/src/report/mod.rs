//! What a process writes to Kafka: a periodic [`Report`] of its state, an [`ErrorReport`] per
//! error. Both are JSON and carry a `schema` number; a reader skips what a newer or older format
//! wrote instead of failing on it ([`decode`]).

mod decode;
mod error;
mod process;

pub use decode::{decode, DecodeError, Decoded};
pub use error::ErrorReport;
pub use process::{
    Counters, GroupReport, JobReport, PartitionReport, PartitionState, ProcessInfo, ProcessState,
    Report,
};

/// The format of reports, error reports and commands this build writes and reads.
pub const SCHEMA: u32 = 1;
