//! Rebuilding the state from the schedules topic on assignment: the latest schedule state read,
//! then the commands after the last record it reflects, in order.

use super::record::{CommandRecord, Record, Snapshot};
use super::schedule::Schedule;
use super::state::ScheduleState;
use super::version;

/// The records read so far of a replay.
#[derive(Debug, Default)]
pub(crate) struct Replay {
    latest: Option<Snapshot>,
    /// Commands the latest state may not reflect, with their offsets.
    commands: Vec<(i64, CommandRecord)>,
    last_offset: Option<i64>,
}

impl Replay {
    /// Reads the record at `offset`.
    pub(crate) fn read(&mut self, offset: i64, record: Record) {
        self.last_offset = Some(offset);
        match record {
            // A state reflecting fewer records than the latest one is stale: written late by an
            // owner that had lost the partition (a graceful handover waits for its writes).
            Record::Schedule(snapshot)
                if self
                    .latest
                    .as_ref()
                    .is_some_and(|latest| snapshot.applied_through < latest.applied_through) => {}
            Record::Schedule(snapshot) => {
                self.commands
                    .retain(|(at, _)| snapshot.applied_through.is_none_or(|through| *at > through));
                self.latest = Some(snapshot);
            }
            Record::Command(command) => self.commands.push((offset, command)),
            // Logs have a topic of their own.
            Record::Log(_) => {}
        }
    }

    /// The version of the schedule that wrote the latest state, when it is newer than
    /// `schedule`'s: this process must not run it.
    pub(crate) fn newer_version(&self, schedule: &Schedule) -> Option<&str> {
        self.latest
            .as_ref()
            .map(|latest| latest.schedule_version.as_str())
            .filter(|stored| version::compare(stored, &schedule.version).is_gt())
    }

    /// The state the records make, for `schedule` at `now`.
    pub(crate) fn finish(self, schedule: &Schedule, now: i64) -> ScheduleState {
        let mut state = ScheduleState::initial(schedule, now);
        if let Some(snapshot) = &self.latest {
            state.restore(snapshot);
        }
        for (_, command) in &self.commands {
            state.apply(command);
        }
        if let Some(offset) = self.last_offset {
            state.read(offset);
        }
        state
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::recurring_tasks::record::Command;
    use crate::recurring_tasks::{RecurringTasks, Task, ALL_TASKS};

    /// 2026-01-01T00:00:00Z.
    const BASE: i64 = 1_767_225_600_000;
    const NAMES: [&str; 3] = ["a", "b", "c"];

    fn schedule() -> Schedule {
        NAMES
            .iter()
            .fold(RecurringTasks::new(), |tasks, name| {
                tasks.task(Task::new(*name).cron("*/3 * * * * *"))
            })
            .build()
            .unwrap()
    }

    /// What happens on the topic: a command sent, or time passing with the owner ticking.
    #[derive(Debug, Clone)]
    enum Step {
        Command(Command, usize),
        Tick(i64),
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            (
                prop_oneof![
                    Just(Command::Enable),
                    Just(Command::Disable),
                    Just(Command::Trigger)
                ],
                // One past the names: every task.
                0..=NAMES.len()
            )
                .prop_map(|(command, task)| Step::Command(command, task)),
            (1i64..5_000).prop_map(Step::Tick),
        ]
    }

    /// An owner: reads each record as it lands, runs what is due on ticks and writes its state
    /// after each change, as the consumer does. Returns the log and the owner's final state.
    fn owner_log(schedule: &Schedule, steps: &[Step]) -> (Vec<Record>, ScheduleState) {
        let mut now = BASE;
        let mut log: Vec<Record> = Vec::new();
        let mut state = ScheduleState::initial(schedule, now);
        log.push(Record::Schedule(state.snapshot(schedule, now)));
        state.read(0);
        for step in steps {
            match step {
                Step::Command(command, task) => {
                    let target = NAMES.get(*task).copied().unwrap_or(ALL_TASKS);
                    let record = Record::command(*command, target, now);
                    if let Record::Command(command) = &record {
                        state.apply(command);
                    }
                    log.push(record);
                    state.read(log.len() as i64 - 1);
                }
                Step::Tick(gap) => {
                    now += gap;
                    for due in state.due(schedule, now) {
                        state.ran(&due, now);
                    }
                    log.push(Record::Schedule(state.snapshot(schedule, now)));
                    state.read(log.len() as i64 - 1);
                }
            }
        }
        (log, state)
    }

    proptest! {
        /// A new owner that replays the topic from any schedule state the old owner wrote (where
        /// the committed offset can point) rebuilds the old owner's state, so it reruns nothing
        /// the old owner recorded and loses no command.
        #[test]
        fn a_new_owner_rebuilds_the_old_owners_state(
            steps in proptest::collection::vec(step(), 0..40),
            from in any::<prop::sample::Index>(),
        ) {
            let schedule = schedule();
            let (log, owner) = owner_log(&schedule, &steps);
            let starts: Vec<usize> = log
                .iter()
                .enumerate()
                .filter(|(_, record)| matches!(record, Record::Schedule(_)))
                .map(|(offset, _)| offset)
                .collect();
            let start = starts[from.index(starts.len())];
            let mut replay = Replay::default();
            for (offset, record) in log.iter().enumerate().skip(start) {
                replay.read(offset as i64, record.clone());
            }
            let rebuilt = replay.finish(&schedule, BASE + 1_000_000_000);
            prop_assert_eq!(rebuilt, owner);
        }

        /// A command the last state does not reflect (sent while the owner was away) is applied.
        #[test]
        fn commands_after_the_last_state_are_applied(task in 0..NAMES.len()) {
            let schedule = schedule();
            let mut replay = Replay::default();
            let initial = ScheduleState::initial(&schedule, BASE);
            replay.read(0, Record::Schedule(initial.snapshot(&schedule, BASE)));
            replay.read(1, Record::command(Command::Disable, NAMES[task], BASE));
            replay.read(2, Record::command(Command::Trigger, NAMES[task], BASE));
            let state = replay.finish(&schedule, BASE);
            prop_assert!(!state.tasks[NAMES[task]].enabled);
            prop_assert!(state.triggered.contains(NAMES[task]));
            prop_assert_eq!(state.due(&schedule, BASE).len(), 1);
        }
    }

    #[test]
    fn a_stale_state_written_late_is_ignored() {
        let schedule = schedule();
        let mut owner = ScheduleState::initial(&schedule, BASE);
        owner.read(0);
        let stale = owner.snapshot(&schedule, BASE);
        for due in owner.due(&schedule, BASE + 10_000) {
            owner.ran(&due, BASE + 10_000);
        }
        owner.read(1);
        let mut replay = Replay::default();
        replay.read(1, Record::Schedule(stale.clone()));
        replay.read(
            2,
            Record::Schedule(owner.snapshot(&schedule, BASE + 10_000)),
        );
        replay.read(3, Record::Schedule(stale));
        let rebuilt = replay.finish(&schedule, BASE + 20_000);
        assert_eq!(rebuilt.tasks, owner.tasks);
        assert!(rebuilt.due(&schedule, BASE + 10_000).is_empty());
    }

    #[test]
    fn a_state_of_a_newer_schedule_is_told() {
        let schedule = schedule();
        let mut newer = ScheduleState::initial(&schedule, BASE).snapshot(&schedule, BASE);
        let mut replay = Replay::default();
        replay.read(0, Record::Schedule(newer.clone()));
        assert_eq!(replay.newer_version(&schedule), None);
        newer.schedule_version = "1.10".into();
        replay.read(1, Record::Schedule(newer));
        assert_eq!(replay.newer_version(&schedule), Some("1.10"));
    }

    #[test]
    fn a_command_for_all_tasks_applies_to_each() {
        let schedule = schedule();
        let mut replay = Replay::default();
        replay.read(0, Record::command(Command::Disable, ALL_TASKS, BASE));
        replay.read(1, Record::command(Command::Trigger, ALL_TASKS, BASE));
        let state = replay.finish(&schedule, BASE);
        assert!(state.tasks.values().all(|task| !task.enabled));
        assert_eq!(state.due(&schedule, BASE).len(), NAMES.len());
    }

    #[test]
    fn nothing_read_is_the_declared_state() {
        let schedule = schedule();
        let state = Replay::default().finish(&schedule, BASE);
        assert_eq!(state, ScheduleState::initial(&schedule, BASE));
        assert!(state.due(&schedule, BASE).is_empty());
    }
}
