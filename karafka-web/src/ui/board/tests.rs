use proptest::prelude::*;

use super::*;
use crate::report::{PartitionState, ProcessState};
use crate::ui::fake;

fn board() -> Board {
    Board::with_window(5_000, 60_000)
}

proptest! {
    #[test]
    fn the_latest_report_wins_whatever_the_order(
        times in proptest::collection::vec(1u64..1_000_000, 1..40),
    ) {
        let mut board = board();
        for &at in &times {
            board.add_report(fake::report(0, 2, at, at));
        }
        let newest = times.iter().copied().max().unwrap_or_default();
        let process = board.processes().next().map(|process| process.report().dispatched_at);
        prop_assert_eq!(process, Some(newest));
        prop_assert_eq!(board.processes().count(), 1);
    }

    #[test]
    fn throughput_never_goes_negative(
        counters in proptest::collection::vec(0u64..1_000_000, 1..40),
    ) {
        let mut board = board();
        for (step, messages) in counters.iter().enumerate() {
            board.add_report(fake::report(0, 1, 1_000 + step as u64 * 5_000, *messages));
        }
        prop_assert!(board.series().throughput().iter().all(|(_, rate)| *rate >= 0.0));
    }

    #[test]
    fn errors_are_bounded(count in 0usize..3_000) {
        let mut board = board();
        for index in 0..count {
            board.add_error(fake::error(index, index as u64));
        }
        prop_assert_eq!(board.errors(None).count(), count.min(ERRORS_KEPT));
    }
}

#[test]
fn a_process_is_up_until_three_silent_intervals_or_stopped() {
    let mut board = board();
    board.add_report(fake::report(0, 1, 10_000, 0));
    let process = board.processes().next().cloned().expect("known");
    assert!(process.is_up(10_000 + 14_999));
    assert!(!process.is_up(10_000 + 15_000));
    let mut stopped = fake::report(0, 1, 20_000, 0);
    stopped.process.state = ProcessState::Stopped;
    board.add_report(stopped);
    assert!(!board.processes().any(|process| process.is_up(20_000)));
}

#[test]
fn the_overview_counts_processes_up_and_their_partitions() {
    let now = 1_000_000;
    let board = fake::board(3, 100, now);
    let overview = board.overview(now);
    assert_eq!(overview.processes_up, 3);
    assert_eq!(overview.partitions, 300);
    // Partitions 1 and 2 of every 50 are paused and held, 3 retries.
    assert_eq!(overview.paused, 3 * 4);
    assert_eq!(overview.retrying, 3 * 2);
    assert_eq!(board.overview(now + 3_600_000).processes_up, 0);
}

#[test]
fn consecutive_counters_make_the_throughput() {
    let mut board = board();
    board.add_report(fake::report(0, 1, 5_000, 100));
    board.add_report(fake::report(0, 1, 10_000, 600));
    board.add_report(fake::report(1, 1, 10_001, 50));
    board.add_report(fake::report(1, 1, 15_000, 550));
    assert_eq!(
        board.series().throughput(),
        vec![(5_000, 0.0), (10_000, 100.0), (15_000, 100.0)]
    );
}

#[test]
fn processes_silent_beyond_the_history_are_forgotten() {
    let mut board = board();
    board.add_report(fake::report(0, 1, 1_000, 0));
    board.add_report(fake::report(1, 1, 1_000 + 60_001, 0));
    let ids: Vec<&str> = board.processes().map(Process::id).collect();
    assert_eq!(ids, vec!["host-1:101:1000"]);
}

#[test]
fn errors_filter_by_topic() {
    let mut board = board();
    board.add_error(fake::error(0, 1));
    board.add_error(fake::error(1, 2));
    let topics: Vec<_> = board
        .errors(Some("fake-1"))
        .map(|error| error.topic.clone())
        .collect();
    assert_eq!(topics, vec![Some("fake-1".to_owned())]);
    assert!(matches!(
        fake::report(0, 2, 0, 0).groups[0].partitions[1].state,
        PartitionState::Paused
    ));
}
