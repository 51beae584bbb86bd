//! A clean run: every message consumed once, in order per partition, and committed.

use std::time::Duration;

use karafka::routing::{Routes, Topic};
use karafka::{async_trait, Consumer, Context, Shutdown};
use karafka_integration_tests::*;

struct Recording(Log);

#[async_trait]
impl Consumer for Recording {
    async fn consume(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        for message in ctx.messages() {
            let _: serde_json::Value = message.payload()?;
            self.0.record(message, ctx.attempt());
        }
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_message_is_consumed_once_in_partition_order_and_committed() {
    logs();
    let topic = unique("clean-run");
    let group = unique("clean-run-group");
    create_topic(&topic, 4).await;
    produce_keyed(&topic, 2_000, 40).await;

    let log = Log::default();
    let consumer_log = log.clone();
    let server = RunningServer::start(
        config(&group),
        Routes::new()
            .topic(Topic::new(&topic).consumer_with(move || Recording(consumer_log.clone()))),
    );
    log.wait_until(Duration::from_secs(60), "2000 messages", |handled| {
        handled.len() >= 2_000
    })
    .await;
    assert!(matches!(server.stop().await, Shutdown::Graceful));

    let ends = end_offsets(&topic, 4);
    let by_partition = log.offsets_by_partition();
    for (partition, end) in ends.iter().enumerate() {
        let offsets = &by_partition[&(partition as i32)];
        let expected: Vec<i64> = (0..*end).collect();
        assert_eq!(
            offsets, &expected,
            "partition {partition}: each offset once, in order"
        );
    }
    assert_eq!(ends.iter().sum::<i64>(), 2_000);
    let committed = committed_offsets(&group, &topic, 4);
    assert_eq!(
        committed,
        ends.iter().map(|&end| Some(end)).collect::<Vec<_>>()
    );
}
