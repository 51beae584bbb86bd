//! How a button names the command it sends: one form field, `pause/<topic>/<partition>`,
//! `resume/<topic>/<partition>`, `quiet` or `stop`. A topic name never holds `/`, so the split is
//! exact. One field lets a whole table of buttons share one form per process.

use crate::commands::Command;

/// The form value of `command`.
pub fn encode(command: &Command) -> String {
    match command {
        Command::Pause { topic, partition } => format!("pause/{topic}/{partition}"),
        Command::Resume { topic, partition } => format!("resume/{topic}/{partition}"),
        Command::Quiet => "quiet".into(),
        Command::Stop => "stop".into(),
    }
}

/// The command a form value names, if any.
pub fn parse(value: &str) -> Option<Command> {
    let mut parts = value.splitn(3, '/');
    let verb = parts.next()?;
    match (verb, parts.next(), parts.next()) {
        ("quiet", None, None) => Some(Command::Quiet),
        ("stop", None, None) => Some(Command::Stop),
        ("pause" | "resume", Some(topic), Some(partition)) if !topic.is_empty() => {
            let topic = topic.to_owned();
            let partition = partition.parse().ok()?;
            Some(if verb == "pause" {
                Command::Pause { topic, partition }
            } else {
                Command::Resume { topic, partition }
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn every_partition_command_round_trips(
            topic in "[a-zA-Z0-9._-]{1,40}",
            partition in any::<i32>(),
            pause in any::<bool>(),
        ) {
            let command = if pause {
                Command::Pause { topic, partition }
            } else {
                Command::Resume { topic, partition }
            };
            prop_assert_eq!(parse(&encode(&command)), Some(command));
        }

        #[test]
        fn parsing_never_panics(value in ".{0,60}") {
            let _ = parse(&value);
        }
    }

    #[test]
    fn process_commands_round_trip_and_junk_is_refused() {
        for command in [Command::Quiet, Command::Stop] {
            assert_eq!(parse(&encode(&command)), Some(command));
        }
        for junk in ["", "pause", "pause//1", "pause/t/x", "stop/now", "halt"] {
            assert_eq!(parse(junk), None, "{junk}");
        }
    }
}
