//! A server's readiness: connected only while every subscription group's consumer is in its
//! consumer group, so a readiness probe says "not connected" while brokers are unreachable.

use std::time::Duration;

use karafka::routing::{Routes, Topic};
use karafka::{async_trait, Consumer, Context, Shutdown};
use karafka_integration_tests::*;

#[derive(Default)]
struct Noop;

#[async_trait]
impl Consumer for Noop {
    async fn consume(&mut self, _: &mut Context) -> anyhow::Result<()> {
        Ok(())
    }
}

fn routes(topic: &str) -> Routes {
    Routes::new().topic(Topic::new(topic).consumer::<Noop>())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ready_once_in_the_group_and_not_after_the_stop() {
    let topic = unique("ready");
    create_topic(&topic, 1).await;
    let server = RunningServer::start(config(&unique("ready-group")), routes(&topic));
    let readiness = server.readiness().clone();
    wait_for(Duration::from_secs(60), "the server to be ready", || {
        readiness.is_ready()
    })
    .await;
    assert!(readiness.not_joined().is_empty());
    assert!(matches!(server.stop().await, Shutdown::Graceful));
    assert!(!readiness.is_ready(), "a stopped server is not ready");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn not_ready_while_the_brokers_are_unreachable() {
    let settings = config(&unique("unreachable-group")).kafka("bootstrap.servers", "127.0.0.1:1");
    let server = RunningServer::start(settings, routes("anything"));
    let readiness = server.readiness().clone();
    // Long enough for a reachable broker to have let it join (the other test joins in about 3 s).
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert!(!readiness.is_ready());
    assert_eq!(
        readiness.not_joined().len(),
        1,
        "the one subscription group"
    );
    assert!(matches!(server.stop().await, Shutdown::Graceful));
}
