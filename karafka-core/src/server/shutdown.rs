//! How a server stopped, and the matching exit code.

use std::fmt;

use crate::processing::RunningJob;

/// How a server's shutdown went.
#[derive(Debug)]
pub enum Shutdown {
    /// Every job finished, offsets were committed and the consumers left their groups.
    Graceful,
    /// `shutdown_timeout` passed first; `still_running` lists the jobs that were cut off (their
    /// messages were not marked and will be consumed again).
    TimedOut {
        /// The jobs still running at the timeout.
        still_running: Vec<RunningJob>,
    },
}

impl Shutdown {
    /// 0 after a graceful shutdown, 2 after a timeout (Karafka's convention).
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Graceful => 0,
            Self::TimedOut { .. } => 2,
        }
    }
}

impl fmt::Display for Shutdown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Graceful => f.write_str("graceful"),
            Self::TimedOut { still_running } => write!(
                f,
                "timed out with {} job(s) still running",
                still_running.len()
            ),
        }
    }
}
