//! Producing: keys, headers, partition choice and timestamps arrive; failures are typed errors;
//! batches enqueued at once keep their order; producer layers change or refuse every record the
//! app sends, dead letters included.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use karafka::middleware::DeadLetterQueue;
use karafka::producer::{map_record, ProduceError, Record};
use karafka::routing::{Routes, Topic};
use karafka::{async_trait, App, Consumer, Context, Message};
use karafka_integration_tests::*;

/// The payload [`Keeps`] fails on.
const BAD: &[u8] = b"bad";

/// Keeps every message it handles; fails on a [`BAD`] payload.
struct Keeps(Arc<Mutex<Vec<Message>>>);

#[async_trait]
impl Consumer for Keeps {
    async fn consume(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        for message in ctx.messages() {
            if message.raw_payload() == Some(BAD) {
                anyhow::bail!("bad payload at offset {}", message.offset());
            }
            self.0.lock().unwrap().push(message.clone());
        }
        Ok(())
    }
}

/// The values of every header `key` of `message`, in order.
fn header_values(message: &Message, key: &str) -> Vec<String> {
    message
        .headers()
        .iter()
        .filter(|header| header.key == key)
        .map(|header| String::from_utf8_lossy(header.value.as_deref().unwrap_or_default()).into())
        .collect()
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn produce_many_async_enqueues_in_order_and_reports_the_record_that_fails() {
    let topic = unique("produce-many-async");
    create_topic(&topic, 1).await;
    // Over the producer's `message.max.bytes` (1 MB): librdkafka refuses it when enqueueing.
    let too_large = vec![b'x'; 2_000_000];
    let records = (0..5).map(|i| match i {
        2 => Record::new(&topic, too_large.clone()),
        i => Record::new(&topic, i.to_string()),
    });

    // Kept until the handles resolve: dropping the last clone purges what is still queued.
    let producer = producer();
    let enqueued = producer.produce_many_async(records).await;

    assert_eq!(enqueued.len(), 5, "one entry per record");
    let mut offsets = Vec::new();
    for (index, entry) in enqueued.into_iter().enumerate() {
        match entry {
            Ok(handle) => offsets.push(handle.await.expect("acknowledged").offset),
            Err(failed) => {
                assert_eq!((index, failed.index), (2, 2), "{failed}");
                assert_eq!(failed.topic(), topic);
                assert!(
                    matches!(failed.error, ProduceError::Delivery { .. }),
                    "{:?}",
                    failed.error
                );
            }
        }
    }
    assert_eq!(offsets, vec![0, 1, 2, 3], "the others were all delivered");
    let payloads: Vec<Vec<u8>> = read_partition(&topic, 0)
        .await
        .iter()
        .map(|message| message.raw_payload().unwrap_or_default().to_vec())
        .collect();
    assert_eq!(
        payloads,
        [b"0", b"1", b"3", b"4"].map(|p| p.to_vec()),
        "stored in the order given"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_app_producer_layer_adds_headers_to_app_records_and_dead_letters() {
    let (topic, dlq, group) = (
        unique("producer-layer"),
        unique("producer-layer-dlq"),
        unique("producer-layer-group"),
    );
    create_topic(&topic, 1).await;
    create_topic(&dlq, 1).await;
    let kept = Arc::new(Mutex::new(Vec::new()));
    let consumer_kept = Arc::clone(&kept);
    let app = App::builder()
        .config(config(&group))
        .producer_layer(map_record(|record: Record| {
            let topic = record.topic().to_owned();
            Ok(record.header("written_to", topic))
        }))
        .routes(
            Routes::new().topic(
                Topic::new(&topic)
                    .consumer_with(move || Keeps(Arc::clone(&consumer_kept)))
                    .dead_letter_queue(DeadLetterQueue::new(&dlq).max_retries(0)),
            ),
        )
        .build()
        .expect("valid app");
    app.producer()
        .produce_many_sync(
            [&b"before"[..], BAD, b"after"]
                .map(|payload| Record::new(&topic, payload).partition(0)),
        )
        .await
        .expect("produced");

    let server = RunningServer::start_app(app);
    let handled = |payload: &[u8]| {
        let kept = kept.lock().unwrap();
        kept.iter()
            .find(|message| message.raw_payload() == Some(payload))
            .cloned()
    };
    wait_for(
        Duration::from_secs(30),
        "the message after the bad one",
        || handled(b"after").is_some(),
    )
    .await;
    server.stop().await;

    let before = handled(b"before").expect("handled");
    assert_eq!(header_values(&before, "written_to"), [topic.as_str()]);
    let letters = read_partition(&dlq, 0).await;
    assert_eq!(letters.len(), 1, "the bad message was dispatched");
    assert_eq!(
        header_values(&letters[0], "written_to"),
        [topic, dlq],
        "the source message's header, then the one the layer added to the dispatch"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejecting_layer_fails_the_produce_naming_the_topic() {
    let (kept, refused) = (unique("producer-kept"), unique("producer-refused"));
    create_topic(&kept, 1).await;
    create_topic(&refused, 1).await;
    let forbidden = refused.clone();
    let producer = producer().layer(map_record(move |record: Record| {
        if record.topic() == forbidden {
            return Err("this topic is read-only".into());
        }
        Ok(record)
    }));

    let error = producer
        .produce_sync(Record::new(&refused, "x"))
        .await
        .unwrap_err();
    match &error {
        ProduceError::Rejected { topic, error } => {
            assert_eq!(topic, &refused);
            assert_eq!(error.to_string(), "this topic is read-only");
        }
        other => panic!("expected a rejection, got {other:?}"),
    }
    assert!(error.to_string().contains(&refused), "{error}");
    producer
        .produce_sync(Record::new(&kept, "y"))
        .await
        .expect("other topics pass");
    assert_eq!(end_offsets(&refused, 1), [0], "nothing was produced");
    assert_eq!(end_offsets(&kept, 1), [1]);
}
