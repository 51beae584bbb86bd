//! Where the consumer of a schedules partition is (Karafka's states).

/// Where the consumer of a schedules partition is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum State {
    /// Reading the partition from its beginning; nothing is dispatched, since a later record
    /// may cancel or tombstone a message that looks due. Where every assignment starts.
    #[default]
    Loading,
    /// Read to its end once: the schedule is complete, due messages are dispatched.
    Loaded,
}
