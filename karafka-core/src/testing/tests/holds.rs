//! A command's pause (a hold) and quiet: the running job finishes, no new job starts until it
//! is lifted, and the batch in hand then runs, in order, from its first message.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use super::recorder::{produce, recorded, runtime, runtime_of, Script, Shared};
use crate::instrumentation::{AppState, Event};
use crate::routing::Routes;
use crate::App;

/// Every offset handled, in order.
fn handled(log: &Shared) -> Vec<i64> {
    log.batches()
        .into_iter()
        .flat_map(|seen| seen.offsets)
        .collect()
}

#[tokio::test(start_paused = true)]
async fn a_held_partition_runs_no_job_until_resumed_then_goes_on_in_order() {
    let (topic, log) = recorded("orders", Script::default());
    let runtime = runtime(topic);
    produce(&runtime, "orders", 3);
    runtime.consume("orders").await.expect("consumed");
    assert_eq!(handled(&log), vec![0, 1, 2]);

    runtime.hold("orders", 0, true).expect("routed");
    produce(&runtime, "orders", 2);
    runtime.consume("orders").await.expect("settles while held");
    assert_eq!(handled(&log), vec![0, 1, 2], "nothing runs while held");
    assert_eq!(runtime.committed("orders", 0), Some(3));

    runtime.hold("orders", 0, false).expect("routed");
    runtime.consume("orders").await.expect("consumed");
    assert_eq!(
        handled(&log),
        vec![0, 1, 2, 3, 4],
        "the held batch runs once, in order"
    );
    assert_eq!(runtime.committed("orders", 0), Some(5));
}

#[tokio::test(start_paused = true)]
async fn quiet_holds_every_partition_and_runs_nothing_new() {
    let (topic, log) = recorded("orders", Script::default());
    let runtime = runtime(topic);
    produce(&runtime, "orders", 4);
    runtime.consume("orders").await.expect("consumed");
    let before = handled(&log).len();

    runtime.quiet(true);
    produce(&runtime, "orders", 4);
    runtime
        .consume("orders")
        .await
        .expect("settles while quiet");
    assert_eq!(handled(&log).len(), before, "nothing runs while quiet");

    runtime.quiet(false);
    runtime.consume("orders").await.expect("consumed");
    assert_eq!(handled(&log).len(), before + 4);
}

#[tokio::test(start_paused = true)]
async fn quiet_is_quieting_while_a_job_runs_and_quiet_once_it_finished() {
    let work = Duration::from_secs(10);
    let (topic, log) = recorded(
        "orders",
        Script {
            work,
            ..Script::default()
        },
    );
    let states = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&states);
    let runtime = runtime_of(App::builder().routes(Routes::new().topic(topic)).listener(
        move |event: &Event| {
            if let Event::AppStateChanged { state } = event {
                seen.lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(*state);
            }
        },
    ));
    produce(&runtime, "orders", 2);
    let consumed = runtime.consume("orders");
    tokio::pin!(consumed);
    tokio::select! {
        _ = &mut consumed => panic!("the job takes {work:?}"),
        () = tokio::time::sleep(work / 2) => {}
    }
    runtime.quiet(true);
    assert_eq!(
        *states.lock().unwrap_or_else(PoisonError::into_inner),
        [AppState::Quieting],
        "the job still runs"
    );

    consumed.await.expect("the running job finishes");
    produce(&runtime, "orders", 2);
    runtime
        .consume("orders")
        .await
        .expect("settles while quiet");
    assert_eq!(handled(&log), vec![0, 1], "only the running job ran");
    assert_eq!(runtime.committed("orders", 0), Some(2), "and it committed");
    assert_eq!(
        *states.lock().unwrap_or_else(PoisonError::into_inner),
        [AppState::Quieting, AppState::Quiet],
        "quiet once no job runs"
    );
}
