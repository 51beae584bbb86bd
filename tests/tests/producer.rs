//! Producing: keys, headers, partition choice and timestamps arrive; failures are typed errors.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use karafka::producer::{ProduceError, Record};
use karafka::routing::{Routes, Topic};
use karafka::{async_trait, Consumer, Context, Message};
use karafka_integration_tests::*;

struct Keeps(Arc<Mutex<Vec<Message>>>);

#[async_trait]
impl Consumer for Keeps {
    async fn consume(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        self.0
            .lock()
            .unwrap()
            .extend(ctx.messages().iter().cloned());
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_arrive_with_key_headers_partition_and_timestamp() {
    let topic = unique("produce");
    let group = unique("produce-group");
    create_topic(&topic, 3).await;
    let producer = producer();

    let delivery = producer
        .produce_sync(
            Record::json(&topic, &serde_json::json!({"Karafka is awesome": "true"}))
                .unwrap()
                .key("user-1")
                .header("source", "test")
                .partition(2)
                .timestamp_millis(1_700_000_000_000),
        )
        .await
        .unwrap();
    assert_eq!(
        (delivery.topic.as_str(), delivery.partition, delivery.offset),
        (topic.as_str(), 2, 0)
    );

    let handles = [
        producer
            .produce_async(Record::new(&topic, "a").partition(0))
            .await
            .unwrap(),
        producer
            .produce_async(Record::new(&topic, "b").partition(0))
            .await
            .unwrap(),
    ];
    let mut offsets = Vec::new();
    for handle in handles {
        offsets.push(handle.await.unwrap().offset);
    }
    assert_eq!(offsets, vec![0, 1], "async deliveries keep their order");
    let many = producer
        .produce_many_sync((0..3).map(|i| Record::new(&topic, i.to_string()).partition(1)))
        .await
        .unwrap();
    assert_eq!(
        many.iter().map(|d| d.offset).collect::<Vec<_>>(),
        vec![0, 1, 2]
    );

    let kept = Arc::new(Mutex::new(Vec::new()));
    let consumer_kept = Arc::clone(&kept);
    let server = RunningServer::start(
        config(&group),
        Routes::new()
            .topic(Topic::new(&topic).consumer_with(move || Keeps(Arc::clone(&consumer_kept)))),
    );
    let started = std::time::Instant::now();
    while kept.lock().unwrap().len() < 6 {
        assert!(started.elapsed() < Duration::from_secs(30));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.stop().await;

    let kept = kept.lock().unwrap();
    let first = kept.iter().find(|m| m.partition() == 2).unwrap();
    assert_eq!(first.key(), Some(&b"user-1"[..]));
    assert_eq!(first.headers().get_str("source"), Some("test"));
    assert_eq!(first.timestamp_millis(), Some(1_700_000_000_000));
    let payload: serde_json::Value = first.payload().unwrap();
    assert_eq!(payload, serde_json::json!({"Karafka is awesome": "true"}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delivery_failures_are_typed_errors_naming_the_topic() {
    let topic = unique("produce-fail");
    create_topic(&topic, 1).await;
    let error = producer()
        .produce_sync(Record::new(&topic, "x").partition(7))
        .await
        .unwrap_err();
    assert!(matches!(error, ProduceError::Delivery { .. }), "{error:?}");
    assert!(error.to_string().contains(&topic), "{error}");
}
