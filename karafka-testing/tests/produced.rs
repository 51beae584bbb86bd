//! What the app produced, by topic: records from consumer code and from the app's producer, with
//! their keys and headers; not the test's own records.

mod common;

use common::{app, recorded, Script};
use karafka::routing::{Topic, TopicConfig};
use karafka::{async_trait, Consumer, Context, Message, Record};
use serde_json::{json, Value};

/// Forwards each order to `out` as `{"order": n}`, keyed by the order's key, with a `source`
/// header.
#[derive(Default)]
struct Forwarder;

#[async_trait]
impl Consumer for Forwarder {
    async fn consume(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        for message in ctx.messages() {
            let order: Value = message.payload()?;
            let mut record = Record::json("out", &json!({ "order": order["n"] }))?
                .header("source", format!("{}/{}", ctx.topic(), message.offset()));
            if let Some(key) = message.key() {
                record = record.key(key);
            }
            ctx.producer().produce_sync(record).await?;
        }
        Ok(())
    }
}

#[tokio::test(start_paused = true)]
async fn records_a_consumer_produced_are_listed_by_topic_with_keys_and_headers() {
    let (out, log) = recorded("out", Script::default());
    let app = app([Topic::new("orders").consumer::<Forwarder>(), out]);
    for n in 0..3 {
        app.produce("orders", json!({ "n": n }))
            .key(format!("k{n}"));
    }
    app.consume("orders").await.expect("consumed");

    let produced = app.produced("out");
    let seen: Vec<String> = produced
        .iter()
        .map(|m| {
            let key = String::from_utf8_lossy(m.key().unwrap_or_default());
            let source = m.headers().get_str("source").unwrap_or_default();
            let payload: Value = m.payload().expect("JSON");
            format!("{key} {source} {payload}")
        })
        .collect();
    assert_eq!(
        seen,
        vec![
            r#"k0 orders/0 {"order":0}"#,
            r#"k1 orders/1 {"order":1}"#,
            r#"k2 orders/2 {"order":2}"#,
        ]
    );
    assert!(produced.iter().all(|m| m.topic() == "out"), "{produced:?}");
    assert!(
        app.produced("orders").is_empty(),
        "the test's own records are not the app's"
    );

    // They are in the topic like any record: the route of `out` consumes them.
    app.consume("out").await.expect("consumed out");
    assert_eq!(log.offsets(), vec![vec![0, 1, 2]]);
}

#[tokio::test(start_paused = true)]
async fn records_of_the_apps_producer_are_listed_too() {
    let (topic, _log) = recorded("orders", Script::default());
    let app = app([topic]);
    let delivery = app
        .producer()
        .produce_sync(Record::new("audit", "started").key("boot"))
        .await
        .expect("produced");
    assert_eq!((delivery.partition, delivery.offset), (0, 0));
    app.produce("audit", "by the test");
    let produced = app.produced("audit");
    assert_eq!(produced.len(), 1, "{produced:?}");
    assert_eq!(produced[0].raw_payload(), Some(&b"started"[..]));
    assert_eq!(produced[0].key(), Some(&b"boot"[..]));
    assert!(app.produced("nowhere").is_empty());
}

/// Keeps every message it is handed.
#[derive(Default)]
struct Keeper {
    messages: Vec<Message>,
}

#[async_trait]
impl Consumer for Keeper {
    async fn consume(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        self.messages.extend(ctx.messages().iter().cloned());
        Ok(())
    }
}

#[tokio::test(start_paused = true)]
async fn the_consumer_gets_the_key_partition_headers_and_timestamp_the_test_produced() {
    let topic = Topic::new("orders")
        .consumer::<Keeper>()
        .config(TopicConfig::new().partitions(3));
    let app = app([topic]);
    let delivery = app
        .produce("orders", json!({"n": 1}))
        .key("k")
        .partition(2)
        .header("h", "v")
        .timestamp_millis(1_000)
        .send()
        .expect("produced");
    assert_eq!((delivery.partition, delivery.offset), (2, 0));
    assert!(
        app.produce("orders", json!({}))
            .partition(3)
            .send()
            .is_err(),
        "orders has partitions 0 to 2"
    );
    app.produce_raw("orders", None).partition(2);

    app.consume("orders").await.expect("consumed");
    let keeper = app.consumer::<Keeper>("orders", 2).expect("consumed");
    let first = &keeper.messages[0];
    assert_eq!(first.key(), Some(&b"k"[..]));
    assert_eq!(first.headers().get_str("h"), Some("v"));
    assert_eq!(first.timestamp_millis(), Some(1_000));
    assert_eq!(first.payload::<Value>().expect("JSON"), json!({"n": 1}));
    assert!(keeper.messages[1].is_tombstone(), "produce_raw(None)");
    assert_eq!(keeper.messages.len(), 2);
    drop(keeper);
    assert!(
        app.consumer::<Keeper>("orders", 0).is_ok(),
        "every partition was assigned"
    );
    assert_eq!(app.committed("orders", 2), Some(2));
    assert_eq!(app.committed("orders", 0), None, "nothing there");
}
