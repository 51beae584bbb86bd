//! A server started inside the test's own tokio runtime (`Server::start`): it consumes, goes
//! quiet on `quiet()` while staying in its group, reports its state, and `stop()` returns a
//! graceful shutdown; asked to, it acts on the process's signals.

use std::time::Duration;

use karafka::instrumentation::{AppState, Event};
use karafka::routing::{Routes, Topic};
use karafka::{async_trait, App, Consumer, Context, Shutdown};
use karafka_integration_tests::*;

struct Recording {
    log: Log,
}

#[async_trait]
impl Consumer for Recording {
    async fn consume(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        for message in ctx.messages() {
            self.log.record(message, ctx.attempt());
        }
        Ok(())
    }
}

/// The states of a server quieted, then stopped.
const QUIETED_THEN_STOPPED: [AppState; 5] = [
    AppState::Running,
    AppState::Quieting,
    AppState::Quiet,
    AppState::Stopping,
    AppState::Stopped,
];

/// An app consuming `topic` in `group` into `log`, with its events recorded in `events`.
fn recorded_app(topic: &str, group: &str, log: &Log, events: &Events) -> App {
    let log = log.clone();
    App::builder()
        .config(config(group))
        .routes(
            Routes::new()
                .topic(Topic::new(topic).consumer_with(move || Recording { log: log.clone() })),
        )
        .listener(events.listener())
        .build()
        .expect("valid app")
}

/// The server states the events announced, in order.
fn states(events: &Events) -> Vec<AppState> {
    events
        .snapshot()
        .iter()
        .filter_map(|event| match event {
            Event::AppStateChanged { state } => Some(*state),
            _ => None,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_embedded_server_consumes_goes_quiet_reports_its_state_and_stops() {
    logs();
    let topic = unique("embedded");
    let group = unique("embedded-group");
    create_topic(&topic, 1).await;
    produce_to(&topic, 0, &["a", "b", "c"]).await;
    let (log, events) = (Log::default(), Events::default());
    let app = recorded_app(&topic, &group, &log, &events);

    let server = app.server().start().await.expect("the server starts");
    log.wait_until(Duration::from_secs(60), "3 messages", |handled| {
        handled.len() >= 3
    })
    .await;
    let status = server.status();
    assert_eq!(status.state, AppState::Running);
    assert_eq!(status.groups.len(), 1);
    assert!(status.groups[0].joined, "{status:?}");

    server.quiet();
    wait_for(Duration::from_secs(10), "quiet", || {
        server.status().state == AppState::Quiet
    })
    .await;
    produce_to(&topic, 0, &["d", "e"]).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(log.len(), 3, "nothing new is consumed while quiet");
    let status = server.status();
    assert!(status.quiet && status.jobs.is_empty(), "{status:?}");
    let members = stable_group_members(&group).expect("the group is stable while quiet");
    assert_eq!(members.len(), 1, "still a member while quiet: {members:?}");

    let shutdown = server.stop().await.expect("the server stops");
    assert!(matches!(shutdown, Shutdown::Graceful), "{shutdown}");
    assert_eq!(committed_offsets(&group, &topic, 1), vec![Some(3)]);
    assert_eq!(states(&events), QUIETED_THEN_STOPPED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_an_embedded_server_stops_it_and_leaves_the_group() {
    let topic = unique("embedded-drop");
    let group = unique("embedded-drop-group");
    create_topic(&topic, 1).await;
    let events = Events::default();
    let app = recorded_app(&topic, &group, &Log::default(), &events);
    let server = app.server().start().await.expect("the server starts");
    wait_for(Duration::from_secs(30), "the group's member", || {
        stable_group_members(&group).is_some_and(|members| members.len() == 1)
    })
    .await;

    drop(server);
    wait_for(Duration::from_secs(30), "the stop after the drop", || {
        states(&events).last() == Some(&AppState::Stopped)
    })
    .await;
    assert_eq!(
        stable_group_members(&group),
        None,
        "the consumer left its group"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_embedded_server_asked_to_handle_signals_quiets_on_tstp_and_stops_on_term() {
    // Listening replaces a signal's default action for the whole process: should the server not
    // act on SIGTSTP, this test fails on its wait instead of the process being suspended.
    let _suspension_guard =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::from_raw(libc::SIGTSTP))
            .expect("listening for SIGTSTP");
    let topic = unique("embedded-signals");
    let group = unique("embedded-signals-group");
    create_topic(&topic, 1).await;
    produce_to(&topic, 0, &["a"]).await;
    let (log, events) = (Log::default(), Events::default());
    let app = recorded_app(&topic, &group, &log, &events);
    let server = app.server().start().await.expect("the server starts");
    server.handle_signals();
    log.wait_until(Duration::from_secs(60), "1 message", |handled| {
        !handled.is_empty()
    })
    .await;

    send_signal(std::process::id(), "TSTP");
    wait_for(Duration::from_secs(10), "quiet on SIGTSTP", || {
        server.status().state == AppState::Quiet
    })
    .await;
    send_signal(std::process::id(), "TERM");
    let shutdown = tokio::time::timeout(Duration::from_secs(30), server.stopped())
        .await
        .expect("SIGTERM stops the server within 30 s")
        .expect("the server stops");
    assert!(matches!(shutdown, Shutdown::Graceful), "{shutdown}");
    assert_eq!(states(&events), QUIETED_THEN_STOPPED);
}
