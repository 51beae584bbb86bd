//! Marks and commits: what a consume commits, with automatic and manual offset management.

mod common;

use std::time::Duration;

use common::{after, app, build, config, produce, recorded, Marks, Script};
use karafka::routing::{ConsumerGroup, Routes, Topic};
use karafka::{async_trait, Consumer, Context};
use karafka_testing::TestApp;

#[tokio::test(start_paused = true)]
async fn nothing_is_committed_before_anything_was_consumed() {
    let (topic, log) = recorded("orders", Script::default());
    let app = app([topic]);
    assert_eq!(app.committed("orders", 0), None, "a new app");
    produce(&app, "orders", 3);
    assert_eq!(app.committed("orders", 0), None, "produced, not consumed");
    assert_eq!(
        app.committed("unrouted", 0),
        None,
        "a topic no group consumes"
    );
    assert!(log.batches().is_empty(), "producing alone runs no consumer");
}

#[tokio::test(start_paused = true)]
async fn a_successful_batch_is_marked_for_the_consumer_and_committed() {
    let (topic, log) = recorded("orders", Script::default());
    let app = app([topic]);
    produce(&app, "orders", 3);
    app.consume("orders").await.expect("consumed");
    assert_eq!(log.offsets(), vec![vec![0, 1, 2]]);
    assert_eq!(
        app.committed("orders", 0),
        Some(3),
        "the next offset to read"
    );
    assert_eq!(
        app.committed_in("app", "orders", 0),
        Some(3),
        "the default group"
    );
    assert_eq!(
        app.committed_in("other", "orders", 0),
        None,
        "no such group"
    );

    produce(&app, "orders", 2);
    app.consume("orders").await.expect("consumed again");
    assert_eq!(
        log.offsets(),
        vec![vec![0, 1, 2], vec![3, 4]],
        "only the new ones"
    );
    assert_eq!(app.committed("orders", 0), Some(5));
}

#[tokio::test(start_paused = true)]
async fn batches_of_max_messages_are_each_marked() {
    let (topic, log) = recorded("orders", Script::default());
    let app = app([topic.max_messages(2)]);
    produce(&app, "orders", 5);
    app.consume("orders").await.expect("consumed");
    assert_eq!(log.offsets(), vec![vec![0, 1], vec![2, 3], vec![4]]);
    assert_eq!(app.committed("orders", 0), Some(5));
}

#[tokio::test(start_paused = true)]
async fn with_manual_offset_management_only_what_the_consumer_marked_is_committed() {
    let (topic, log) = recorded("orders", Script::default().marking(Marks::Below(2)));
    let app = app([topic.manual_offset_management(true)]);
    produce(&app, "orders", 5);
    app.consume("orders").await.expect("consumed");
    assert_eq!(log.offsets(), vec![vec![0, 1, 2, 3, 4]]);
    assert_eq!(log.marks(), vec![(0, true), (1, true)]);
    assert_eq!(
        app.committed("orders", 0),
        Some(2),
        "up to the last marked message, not the batch"
    );

    // A new owner of the partition starts from the commit: it gets 2..5 again.
    app.revoke("orders", 0).await.expect("revoked");
    app.consume("orders")
        .await
        .expect("consumed by a new owner");
    assert_eq!(log.offsets(), vec![vec![0, 1, 2, 3, 4], vec![2, 3, 4]]);
    assert_eq!(
        app.committed("orders", 0),
        Some(2),
        "still nothing past 1 marked"
    );
}

#[tokio::test(start_paused = true)]
async fn without_manual_offset_management_the_batch_is_marked_even_if_the_consumer_marked_less() {
    let (topic, _log) = recorded("orders", Script::default().marking(Marks::Below(2)));
    let app = app([topic]);
    produce(&app, "orders", 5);
    app.consume("orders").await.expect("consumed");
    assert_eq!(app.committed("orders", 0), Some(5));
}

#[tokio::test(start_paused = true)]
async fn each_consumer_group_commits_its_own_offsets() {
    let (orders, app_log) = recorded("orders", Script::default());
    let (audited, audit_log) = recorded("orders", Script::always_failing(1).marking(Marks::Each));
    let routes = Routes::new()
        .topic(orders)
        .consumer_group(ConsumerGroup::new("audit").topic(audited));
    let app = TestApp::new(build(config(), routes));
    produce(&app, "orders", 3);
    let failed = app.consume("orders").await;
    assert!(failed.is_err(), "the audit group fails at offset 1");
    assert_eq!(
        app_log.offsets(),
        vec![vec![0, 1, 2]],
        "both groups got the batch"
    );
    assert_eq!(audit_log.offsets(), vec![vec![0, 1, 2]]);
    assert_eq!(app.committed("orders", 0), Some(3), "the first group: app");
    assert_eq!(app.committed_in("app", "orders", 0), Some(3));
    assert_eq!(app.committed_in("audit", "orders", 0), Some(1));
}

/// Marks its first message synchronously, then takes its time over the rest.
#[derive(Default)]
struct SyncMarker {
    committed: Vec<bool>,
}

#[async_trait]
impl Consumer for SyncMarker {
    async fn consume(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        if let Some(first) = ctx.messages().first() {
            let committed = ctx.mark_as_consumed_sync(first).await;
            self.committed.push(committed);
        }
        tokio::time::sleep(Duration::from_secs(5)).await;
        Ok(())
    }
}

#[tokio::test(start_paused = true)]
async fn mark_as_consumed_sync_commits_before_the_job_ends() {
    let topic = Topic::new("orders")
        .consumer::<SyncMarker>()
        .manual_offset_management(true);
    let app = app([topic]);
    produce(&app, "orders", 3);
    let (consumed, (during, _)) = tokio::join!(
        app.consume("orders"),
        after(Duration::from_secs(1), async { app.committed("orders", 0) })
    );
    consumed.expect("consumed");
    assert_eq!(during, Some(1), "committed while the job still ran");
    let marker = app.consumer::<SyncMarker>("orders", 0).expect("consumed");
    assert_eq!(marker.committed, vec![true]);
    assert_eq!(app.committed("orders", 0), Some(1));
}
