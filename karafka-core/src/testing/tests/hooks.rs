//! `eofed` and ticks on the in-memory backend: `eofed` once per time a partition was read to
//! its end, after the batch that reached it; a tick per interval while idle.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;

use super::recorder::{produce, runtime};
use crate::routing::{Periodic, Topic};
use crate::{Consumer, Context};

/// How many messages it had consumed each time it heard of the partition's end.
#[derive(Clone, Default)]
struct Ends {
    consumed: Arc<Mutex<usize>>,
    ends: Arc<Mutex<Vec<usize>>>,
}

#[async_trait]
impl Consumer for Ends {
    async fn consume(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        *self.consumed.lock().unwrap_or_else(PoisonError::into_inner) += ctx.messages().len();
        Ok(())
    }

    async fn eofed(&mut self, _ctx: &mut Context) -> anyhow::Result<()> {
        let consumed = *self.consumed.lock().unwrap_or_else(PoisonError::into_inner);
        self.ends
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(consumed);
        Ok(())
    }
}

#[tokio::test(start_paused = true)]
async fn eofed_runs_once_per_end_after_the_batch_that_reached_it() {
    let consumer = Ends::default();
    let ends = Arc::clone(&consumer.ends);
    let runtime = runtime(
        Topic::new("orders")
            .consumer_with(move || consumer.clone())
            .eofed(true),
    );
    let seen = || ends.lock().unwrap_or_else(PoisonError::into_inner).clone();
    produce(&runtime, "orders", 3);
    runtime.consume("orders").await.expect("consumed");
    assert_eq!(seen(), vec![3]);
    runtime.consume("orders").await.expect("settles again");
    assert_eq!(seen(), vec![3], "no new end without new messages");
    produce(&runtime, "orders", 2);
    runtime.consume("orders").await.expect("consumed");
    assert_eq!(seen(), vec![3, 5]);
}

#[tokio::test(start_paused = true)]
async fn without_eofed_the_hook_never_runs() {
    let consumer = Ends::default();
    let ends = Arc::clone(&consumer.ends);
    let runtime = runtime(Topic::new("orders").consumer_with(move || consumer.clone()));
    produce(&runtime, "orders", 3);
    runtime.consume("orders").await.expect("consumed");
    assert!(ends
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .is_empty());
}

/// Counts its ticks.
#[derive(Clone, Default)]
struct Ticking {
    ticks: Arc<Mutex<u32>>,
}

#[async_trait]
impl Consumer for Ticking {
    async fn consume(&mut self, _ctx: &mut Context) -> anyhow::Result<()> {
        Ok(())
    }

    async fn tick(&mut self, _ctx: &mut Context) -> anyhow::Result<()> {
        *self.ticks.lock().unwrap_or_else(PoisonError::into_inner) += 1;
        Ok(())
    }
}

#[tokio::test(start_paused = true)]
async fn an_idle_partition_ticks_once_per_interval() {
    let consumer = Ticking::default();
    let ticks = Arc::clone(&consumer.ticks);
    let runtime = runtime(
        Topic::new("orders")
            .consumer_with(move || consumer.clone())
            .periodic(Periodic::new().interval(Duration::from_millis(100))),
    );
    produce(&runtime, "orders", 1);
    runtime.consume("orders").await.expect("consumed");
    let before = *ticks.lock().unwrap_or_else(PoisonError::into_inner);
    // Virtual time: the ten intervals pass at once.
    tokio::time::sleep(Duration::from_millis(1_050)).await;
    let after = *ticks.lock().unwrap_or_else(PoisonError::into_inner);
    assert_eq!(after - before, 10, "one tick per 100 ms without messages");
}
