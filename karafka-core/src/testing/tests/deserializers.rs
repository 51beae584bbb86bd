//! A route's own key and headers deserializers on the in-memory backend: consumers read the
//! decoded values, a key that does not decode fails the job like any error (retried, nothing
//! skipped), and what the app produced decodes like the route's messages.

use std::sync::{Arc, Mutex, PoisonError};

use async_trait::async_trait;

use super::recorder::runtime;
use crate::messages::test_formats::{BigEndianU64, HeaderNames};
use crate::messages::Deserializers;
use crate::routing::Topic;
use crate::testing::{TestError, TestRuntime};
use crate::{Consumer, Context, Record};

/// One message as the consumer decoded it: offset, key, header names.
type Decoded = (i64, Option<u64>, Vec<String>);

/// Decodes each message's key and headers, marking it; `?` on a decode error.
struct Decoding {
    seen: Arc<Mutex<Vec<Decoded>>>,
}

#[async_trait]
impl Consumer for Decoding {
    async fn consume(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        for message in ctx.messages() {
            let decoded = (message.offset(), message.key_as()?, message.headers_as()?);
            self.seen
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(decoded);
            ctx.mark_as_consumed(message);
        }
        Ok(())
    }
}

fn decoding_runtime(seen: &Arc<Mutex<Vec<Decoded>>>) -> TestRuntime {
    let seen = Arc::clone(seen);
    runtime(
        Topic::new("orders")
            .consumer_with(move || Decoding {
                seen: Arc::clone(&seen),
            })
            .deserializers(Deserializers::new().key(BigEndianU64).headers(HeaderNames)),
    )
}

fn produce(runtime: &TestRuntime, record: Record) {
    if let Err(error) = runtime.produce(record.partition(0)) {
        panic!("producing: {error}");
    }
}

#[tokio::test(start_paused = true)]
async fn keys_and_headers_decode_with_the_route_and_a_bad_key_is_retried_not_skipped() {
    let seen = Arc::default();
    let runtime = decoding_runtime(&seen);
    produce(
        &runtime,
        Record::new("orders", "{}")
            .key(7u64.to_be_bytes())
            .header("trace", "t1")
            .header("tenant", "eu"),
    );
    produce(&runtime, Record::new("orders", "{}"));
    produce(&runtime, Record::new("orders", "{}").key("abc"));
    produce(
        &runtime,
        Record::new("orders", "{}").key(9u64.to_be_bytes()),
    );

    for attempt in 1..=2 {
        match runtime.consume("orders").await {
            Err(TestError::Failed {
                offset: 2,
                attempt: failed,
                error,
                ..
            }) if failed == attempt => assert!(
                error.starts_with("key of orders/0 at offset 2 could not be decoded")
                    && error.contains("expected 8 bytes, got 3"),
                "{error}"
            ),
            other => panic!("attempt {attempt} should fail at the key of offset 2: {other:?}"),
        }
    }
    let seen = seen.lock().unwrap_or_else(PoisonError::into_inner).clone();
    assert_eq!(
        seen,
        vec![
            (0, Some(7), vec!["trace".to_owned(), "tenant".to_owned()]),
            (1, None, vec![]),
        ],
        "offset 3 waits behind the bad key"
    );
    assert_eq!(runtime.committed("orders", 0), Some(2));
}

#[tokio::test(start_paused = true)]
async fn what_the_app_produced_decodes_with_the_route_of_its_topic() {
    let runtime = decoding_runtime(&Arc::default());
    runtime
        .producer()
        .produce_sync(
            Record::new("orders", "{}")
                .key(5u64.to_be_bytes())
                .partition(0),
        )
        .await
        .unwrap_or_else(|error| panic!("producing: {error}"));
    let produced = runtime.produced("orders");
    let keys: Vec<Option<u64>> = produced
        .iter()
        .map(|message| message.key_as().unwrap_or_else(|error| panic!("{error}")))
        .collect();
    assert_eq!(keys, vec![Some(5)]);
}
