//! Commands through Kafka: the UI writes a [`CommandRecord`] to the commands topic, every
//! process consumes that topic, carries out the commands addressed to it and writes an
//! [`Answer`] back to the same topic.

mod handler;
mod sender;

use serde::{Deserialize, Serialize};

pub(crate) use handler::CommandHandler;
pub use sender::Commander;

/// What a process is asked to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Command {
    /// Pause a partition after its running job, until resumed.
    Pause {
        /// The topic.
        topic: String,
        /// The partition.
        partition: i32,
    },
    /// Resume a paused partition.
    Resume {
        /// The topic.
        topic: String,
        /// The partition.
        partition: i32,
    },
    /// Start no new job, keep the partitions (before a stop).
    Quiet,
    /// Stop gracefully, as SIGTERM does.
    Stop,
}

/// A command addressed to one process.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandRecord {
    /// The format ([`SCHEMA`](crate::report::SCHEMA)).
    pub schema: u32,
    /// Unique per command.
    pub id: String,
    /// The process it is for ([`ProcessInfo::id`](crate::report::ProcessInfo::id)).
    pub process_id: String,
    /// When it was sent, in milliseconds since the Unix epoch.
    pub issued_at: u64,
    /// What to do.
    pub command: Command,
}

/// A process's answer to a command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    /// The format ([`SCHEMA`](crate::report::SCHEMA)).
    pub schema: u32,
    /// The command's id.
    pub command_id: String,
    /// The process that answered.
    pub process_id: String,
    /// When, in milliseconds since the Unix epoch.
    pub answered_at: u64,
    /// Whether it was carried out.
    pub ok: bool,
    /// What happened, or why it was refused.
    pub detail: String,
}

/// A record of the commands topic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Envelope {
    /// A command.
    Command(CommandRecord),
    /// An answer.
    Answer(Answer),
}

/// Milliseconds since the Unix epoch, now.
pub(crate) fn now_millis() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| {
            u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{decode, Decoded, SCHEMA};

    #[test]
    fn commands_and_answers_round_trip_through_one_topic() {
        let records = [
            Envelope::Command(CommandRecord {
                schema: SCHEMA,
                id: "c1".into(),
                process_id: "h:1:2".into(),
                issued_at: 5,
                command: Command::Pause {
                    topic: "orders".into(),
                    partition: 3,
                },
            }),
            Envelope::Answer(Answer {
                schema: SCHEMA,
                command_id: "c1".into(),
                process_id: "h:1:2".into(),
                answered_at: 6,
                ok: false,
                detail: "not owned".into(),
            }),
        ];
        for record in records {
            let bytes = serde_json::to_vec(&record).expect("encodes");
            assert_eq!(decode(&bytes).expect("decodes"), Decoded::Current(record));
        }
    }
}
