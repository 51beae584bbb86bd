//! Lifecycle hooks and revocations: `initialized` once per instance, `revoked` when the
//! partition is taken away, `shutdown` on a graceful stop; a running job finishes before a
//! revocation, a long-running one sees it.

mod common;

use std::time::Duration;

use common::{after, app, app_with, config, near, produce, recorded, Log, Script};
use karafka::middleware::VirtualPartitions;
use karafka::routing::{Topic, TopicConfig};
use karafka::{async_trait, Consumer, Context};
use tokio::time::{sleep, Instant};

const SECOND: Duration = Duration::from_secs(1);

fn hooks(hooks: &[&str]) -> Vec<String> {
    hooks.iter().map(|hook| (*hook).to_owned()).collect()
}

#[tokio::test(start_paused = true)]
async fn initialized_runs_once_per_instance_not_per_batch() {
    let (topic, log) = recorded("orders", Script::default());
    let app = app([topic.config(TopicConfig::new().partitions(2))]);
    app.produce("orders", 0).partition(0);
    app.produce("orders", 1).partition(1);
    assert!(log.hooks().is_empty(), "no instance before a consume");
    app.consume("orders").await.expect("consumed");
    app.produce("orders", 2).partition(0);
    app.consume("orders").await.expect("consumed again");

    let mut seen = log.hooks();
    seen.sort();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert!(seen[0].starts_with("initialized orders/0 #"), "{seen:?}");
    assert!(seen[1].starts_with("initialized orders/1 #"), "{seen:?}");
    assert_eq!(
        log.instances(),
        2,
        "one instance per partition, kept across batches"
    );
}

#[tokio::test(start_paused = true)]
async fn each_virtual_partition_instance_is_initialized_once() {
    let (topic, log) = recorded("orders", Script::default());
    let app = app([topic.virtual_partitions(VirtualPartitions::by_key().max_partitions(3))]);
    app.produce("orders", 0).key("a");
    app.consume("orders").await.expect("consumed");
    app.produce("orders", 1).key("b");
    app.consume("orders").await.expect("consumed again");
    assert_eq!(
        log.hooks(),
        hooks(&[
            "initialized orders/0 #0",
            "initialized orders/0 #1",
            "initialized orders/0 #2"
        ]),
        "also the instances that got nothing"
    );
}

#[tokio::test(start_paused = true)]
async fn revoke_runs_the_revoked_hook_and_the_next_consume_starts_a_new_instance() {
    let (topic, log) = recorded("orders", Script::default());
    let app = app([topic]);
    produce(&app, "orders", 2);
    app.consume("orders").await.expect("consumed");
    app.revoke("orders", 0).await.expect("revoked");
    assert_eq!(
        log.hooks(),
        hooks(&["initialized orders/0 #0", "revoked orders/0 #0"])
    );
    assert!(
        app.revoke("orders", 0).await.is_ok(),
        "revoking a revoked partition changes nothing"
    );

    produce(&app, "orders", 1);
    app.consume("orders").await.expect("assigned again");
    assert_eq!(
        log.hooks(),
        hooks(&[
            "initialized orders/0 #0",
            "revoked orders/0 #0",
            "initialized orders/0 #1"
        ])
    );
    assert_eq!(
        log.offsets(),
        vec![vec![0, 1], vec![2]],
        "from the committed offset"
    );
}

#[tokio::test(start_paused = true)]
async fn shutdown_runs_the_shutdown_hook_and_commits() {
    let (topic, log) = recorded("orders", Script::default());
    let app = app([topic]);
    produce(&app, "orders", 2);
    app.consume("orders").await.expect("consumed");
    assert!(app.shutdown().await, "nothing was running");
    assert_eq!(
        log.hooks(),
        hooks(&["initialized orders/0 #0", "shutdown orders/0 #0"])
    );
    assert_eq!(app.committed("orders", 0), Some(2));
}

#[tokio::test(start_paused = true)]
async fn a_revocation_lets_the_running_job_finish_and_commits_it() {
    let (topic, log) = recorded("orders", Script::default().working(5 * SECOND));
    let app = app([topic]);
    produce(&app, "orders", 2);
    let (consumed, ((revoked, committed), revoked_after)) = tokio::join!(
        app.consume("orders"),
        after(SECOND, async {
            let revoked = app.revoke("orders", 0).await;
            (revoked, app.committed("orders", 0))
        })
    );
    consumed.expect("the job finished");
    revoked.expect("revoked");
    assert!(
        near(revoked_after, 5 * SECOND),
        "the revocation waited for the job: {revoked_after:?}"
    );
    assert_eq!(log.offsets(), vec![vec![0, 1]]);
    assert_eq!(
        committed,
        Some(2),
        "the revocation committed the job's marks"
    );
    assert_eq!(
        log.hooks(),
        hooks(&["initialized orders/0 #0", "revoked orders/0 #0"])
    );
}

/// Takes two seconds (virtual) per message, noting for each whether the partition was revoked
/// by then and whether its mark was taken.
struct LongJob {
    log: Log,
    instance: usize,
    seen: Vec<(i64, bool, bool)>,
}

#[async_trait]
impl Consumer for LongJob {
    async fn consume(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        self.log.record(self.instance, ctx);
        for message in ctx.messages() {
            sleep(2 * SECOND).await;
            let marked = ctx.mark_as_consumed(message);
            self.seen.push((message.offset(), ctx.revoked(), marked));
            self.log.mark(message.offset(), marked);
        }
        Ok(())
    }
}

#[tokio::test(start_paused = true)]
async fn a_long_running_job_sees_the_revocation_and_its_later_marks_are_refused() {
    let log = Log::default();
    let shared = log.clone();
    let topic = Topic::new("reports")
        .consumer_with(move || LongJob {
            instance: shared.new_instance(),
            log: shared.clone(),
            seen: Vec::new(),
        })
        .long_running_job(true);
    let app = app([topic]);
    produce(&app, "reports", 3);
    let (consumed, (revoked, _)) = tokio::join!(
        app.consume("reports"),
        after(3 * SECOND, app.revoke("reports", 0))
    );
    consumed.expect("settled once revoked");
    revoked.expect("revoked");
    assert_eq!(
        log.marks(),
        vec![(0, true), (1, false), (2, false)],
        "revoked at 3 s: the marks at 4 s and 6 s are refused"
    );
    assert_eq!(
        app.committed("reports", 0),
        Some(1),
        "only the mark made before the revocation"
    );

    let revoked_job = app
        .consumer::<LongJob>("reports", 0)
        .expect("the job ended");
    assert_eq!(
        revoked_job.seen,
        vec![(0, false, true), (1, true, false), (2, true, false)],
        "ctx.revoked() turned true mid-job"
    );
    drop(revoked_job);

    // The next owner gets what was not committed again.
    app.consume("reports").await.expect("assigned again");
    assert_eq!(log.offsets(), vec![vec![0, 1, 2], vec![1, 2]]);
    let first = &log.batches()[0];
    let second = &log.batches()[1];
    assert_ne!(first.instance, second.instance, "a new instance");
    let job = app.consumer::<LongJob>("reports", 0).expect("consumed");
    assert_eq!(job.seen, vec![(1, false, true), (2, false, true)]);
    assert_eq!(app.committed("reports", 0), Some(3));
}

#[tokio::test(start_paused = true)]
async fn shutdown_lets_the_running_job_finish_then_runs_the_hook_and_commits() {
    let (topic, log) = recorded("orders", Script::default().working(5 * SECOND));
    let app = app([topic]);
    produce(&app, "orders", 2);
    let (consumed, (drained, stopped_after)) =
        tokio::join!(app.consume("orders"), after(SECOND, app.shutdown()));
    assert!(drained, "the job ended within shutdown_timeout");
    assert_eq!(stopped_after, 5 * SECOND, "shutdown waited for the job");
    consumed.expect("the job finished");
    assert_eq!(
        log.hooks(),
        hooks(&["initialized orders/0 #0", "shutdown orders/0 #0"])
    );
    assert_eq!(app.committed("orders", 0), Some(2));
}

#[tokio::test(start_paused = true)]
async fn shutdown_gives_up_on_a_job_longer_than_shutdown_timeout() {
    let mut settings = config();
    settings.shutdown_timeout = 10 * SECOND;
    let (topic, log) = recorded("orders", Script::default().working(60 * SECOND));
    let app = app_with(settings, [topic]);
    produce(&app, "orders", 1);
    let started = Instant::now();
    let (consumed, ((drained, committed), stopped_after)) = tokio::join!(
        app.consume("orders"),
        after(SECOND, async {
            (app.shutdown().await, app.committed("orders", 0))
        })
    );
    assert!(!drained, "the job outlived shutdown_timeout");
    assert_eq!(stopped_after, 11 * SECOND);
    assert_eq!(committed, None, "the job had not ended");
    consumed.expect("the job ended later");
    assert_eq!(started.elapsed(), 60 * SECOND, "consume waited for it");
    assert_eq!(
        log.hooks(),
        hooks(&["initialized orders/0 #0", "shutdown orders/0 #0"])
    );
}
