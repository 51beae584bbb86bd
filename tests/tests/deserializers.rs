//! A route's own deserializers for payloads, keys and headers, against the broker: the consumer
//! reads the decoded values, and a key that does not decode is a consume error naming its offset
//! and the key, retried like any other, with nothing after it skipped.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use karafka::instrumentation::{ErrorKind, Event};
use karafka::messages::{Deserializer, Headers, HeadersDeserializer, Visit};
use karafka::{async_trait, routes, App, BoxError, Consumer, Context, Record, Shutdown};
use karafka_integration_tests::*;
use serde::de::value::{StrDeserializer, U64Deserializer};
use serde_json::{Map, Value};

/// Payloads as UTF-8 text (not JSON: the built-in payload deserializer would refuse them).
struct Utf8Text;

impl Deserializer for Utf8Text {
    fn deserialize(&self, payload: &[u8], visit: Visit<'_>) -> Result<(), BoxError> {
        let text = std::str::from_utf8(payload)?;
        visit.with(StrDeserializer::<serde::de::value::Error>::new(text))
    }
}

/// Keys of 8 big-endian bytes, as Java's `LongSerializer` writes them.
struct LongKeys;

impl Deserializer for LongKeys {
    fn deserialize(&self, key: &[u8], visit: Visit<'_>) -> Result<(), BoxError> {
        let bytes: [u8; 8] = key
            .try_into()
            .map_err(|_| format!("a long key has 8 bytes, this one {}", key.len()))?;
        visit.with(U64Deserializer::<serde::de::value::Error>::new(
            u64::from_be_bytes(bytes),
        ))
    }
}

/// Header values written as JSON (the built-in headers view reads them as text).
struct JsonHeaders;

impl HeadersDeserializer for JsonHeaders {
    fn deserialize(&self, headers: &Headers, visit: Visit<'_>) -> Result<(), BoxError> {
        let mut map = Map::new();
        for header in headers {
            let value = match &header.value {
                Some(bytes) => serde_json::from_slice(bytes)
                    .map_err(|error| format!("header `{}`: {error}", header.key))?,
                None => Value::Null,
            };
            map.insert(header.key.clone(), value);
        }
        visit.with(Value::Object(map))
    }
}

/// The headers the consumer needs; `tags` is a JSON list, which only `JsonHeaders` reads.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
struct Meta {
    source: String,
    tags: Vec<String>,
}

/// One message as the consumer decoded it.
#[derive(Debug, Clone, PartialEq)]
struct Decoded {
    offset: i64,
    key: Option<u64>,
    meta: Meta,
    text: String,
}

/// Decodes every part of each message and marks it; a decode error fails the job.
struct Reader {
    seen: Arc<Mutex<Vec<Decoded>>>,
}

#[async_trait]
impl Consumer for Reader {
    async fn consume(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        for message in ctx.messages() {
            let decoded = Decoded {
                offset: message.offset(),
                key: message.key_as()?,
                meta: message.headers_as()?,
                text: message.payload()?,
            };
            self.seen
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(decoded);
            ctx.mark_as_consumed(message);
        }
        Ok(())
    }
}

fn record(topic: &str, text: &str, source: &str) -> Record {
    Record::new(topic, text)
        .partition(0)
        .header("source", format!("\"{source}\""))
        .header("tags", r#"["a","b"]"#)
}

fn meta(source: &str) -> Meta {
    Meta {
        source: source.to_owned(),
        tags: vec!["a".to_owned(), "b".to_owned()],
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_route_decodes_payloads_keys_and_headers_and_a_bad_key_is_retried_not_skipped() {
    logs();
    let topic = unique("deserializers");
    let group = unique("deserializers-group");
    create_topic(&topic, 1).await;
    producer()
        .produce_many_sync([
            record(&topic, "first", "web").key(1u64.to_be_bytes()),
            record(&topic, "second", "api"),
            record(&topic, "third", "web").key("bad"),
            record(&topic, "fourth", "web").key(4u64.to_be_bytes()),
        ])
        .await
        .expect("records produced");

    let seen = Arc::new(Mutex::new(Vec::new()));
    let consumer_seen = Arc::clone(&seen);
    let events = Events::default();
    let app = App::builder()
        .config(config(&group))
        .routes(routes! {
            topic (topic.as_str()) {
                consumer_with: move || Reader { seen: Arc::clone(&consumer_seen) },
                deserializers: { payload: Utf8Text, key: LongKeys, headers: JsonHeaders },
            }
        })
        .listener(events.listener())
        .build()
        .expect("valid app");
    let server = RunningServer::start_app(app);
    let retried = |events: &[Event]| {
        events.iter().any(|event| {
            matches!(event, Event::Retry { partition, offset: 2, attempt: 3, .. }
                if partition.topic == topic)
        })
    };
    wait_for(
        Duration::from_secs(60),
        "the second retry of offset 2",
        || retried(&events.snapshot()),
    )
    .await;
    assert!(
        matches!(server.stop().await, Shutdown::Graceful),
        "a bad key is an error, not a crash"
    );

    let seen = seen.lock().unwrap_or_else(PoisonError::into_inner).clone();
    assert_eq!(
        seen,
        vec![
            Decoded {
                offset: 0,
                key: Some(1),
                meta: meta("web"),
                text: "first".to_owned(),
            },
            Decoded {
                offset: 1,
                key: None,
                meta: meta("api"),
                text: "second".to_owned(),
            },
        ],
        "offset 3 waits behind the bad key"
    );
    let errors: Vec<(ErrorKind, Option<i64>, String)> = events
        .snapshot()
        .into_iter()
        .filter_map(|event| match event {
            Event::ErrorOccurred {
                kind,
                partition: Some(partition),
                offset,
                error,
                ..
            } if partition.topic == topic => Some((kind, offset, error)),
            _ => None,
        })
        .collect();
    assert!(
        errors.len() >= 2,
        "the bad key failed each attempt: {errors:#?}"
    );
    let expected = format!("key of {topic}/0 at offset 2 could not be decoded");
    for (kind, offset, error) in &errors {
        assert_eq!((*kind, *offset), (ErrorKind::Decode, Some(2)), "{error}");
        assert!(
            error.contains(&expected) && error.contains("a long key has 8 bytes, this one 3"),
            "{error}"
        );
    }
    assert_eq!(
        committed_offsets(&group, &topic, 1),
        vec![Some(2)],
        "the group stops exactly at the bad key"
    );
}
