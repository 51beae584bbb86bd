//! Quiet mode against a model, over any order of job starts, job ends and quiet requests: once
//! asked, no job starts; `Quieting` is announced at once and `Quiet` once no job runs, each once,
//! and the reported state follows.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use proptest::prelude::*;
use tokio::runtime::Handle;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::consumer::Action;
use crate::instrumentation::{AppState, Event, Listener, Monitor};
use crate::memory::Cluster;
use crate::messages::{Deserializers, Origin};
use crate::processing::{Assignment, Backend, RunningJob, Scheduler};
use crate::testing::backend::MemoryBackend;

#[derive(Debug, Clone)]
enum Step {
    Start,
    /// Ends the running job at this index (modulo how many run), if any runs.
    End(usize),
    Quiet,
}

fn steps() -> impl Strategy<Value = Vec<Step>> {
    prop::collection::vec(
        prop_oneof![
            3 => Just(Step::Start),
            3 => any::<usize>().prop_map(Step::End),
            1 => Just(Step::Quiet),
        ],
        0..40,
    )
}

fn job() -> RunningJob {
    RunningJob {
        action: Action::Consume,
        subscription: Arc::from("app/default"),
        long_running: false,
        consumer: "Model",
        topic: "orders".to_owned(),
        partition: 0,
        first_offset: 0,
        last_offset: 0,
        started: Instant::now(),
    }
}

/// The quiet states announced, in order, as a model expects them.
fn expected(asked: bool, reached: bool) -> Vec<AppState> {
    match (asked, reached) {
        (false, _) => Vec::new(),
        (true, false) => vec![AppState::Quieting],
        (true, true) => vec![AppState::Quieting, AppState::Quiet],
    }
}

async fn check(steps: Vec<Step>) -> Result<(), TestCaseError> {
    let announced = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&announced);
    let listener: Arc<dyn Listener> = Arc::new(move |event: &Event| {
        if let Event::AppStateChanged { state } = event {
            seen.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(*state);
        }
    });
    let scheduler = Scheduler::new(4, Handle::current(), Monitor::new(vec![listener]));
    let backend = MemoryBackend::new(
        Arc::new(Cluster::new()),
        Arc::default(),
        Arc::new(Notify::new()),
    );
    let source = backend
        .source(Origin::new("orders", 0, Deserializers::new()))
        .ok_or_else(|| TestCaseError::fail("the in-memory backend has every partition"))?;
    let assignment = Arc::new(Assignment::new(Arc::new(source), CancellationToken::new()));
    let (mut running, mut asked, mut reached) = (Vec::new(), false, false);
    for step in steps {
        match step {
            Step::Start => {
                let guard = scheduler.track(job(), &assignment);
                prop_assert_eq!(guard.is_some(), !asked, "a job starts only before quiet");
                running.extend(guard);
            }
            Step::End(index) if !running.is_empty() => {
                running.swap_remove(index % running.len());
            }
            Step::End(_) => {}
            Step::Quiet => {
                scheduler.quiet_down();
                asked = true;
            }
        }
        // Lets the task that waits for the last job announce `Quiet`.
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
        reached |= asked && running.is_empty();
        let states = announced
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        prop_assert_eq!(states, expected(asked, reached));
        let state = asked.then_some(if running.is_empty() {
            AppState::Quiet
        } else {
            AppState::Quieting
        });
        prop_assert_eq!(scheduler.quiet_state(), state);
    }
    Ok(())
}

proptest! {
    #[test]
    fn quiet_starts_no_job_and_is_announced_once_asked_and_once_none_runs(steps in steps()) {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .map_err(|error| TestCaseError::fail(error.to_string()))?;
        runtime.block_on(check(steps))?;
    }
}
