//! Transactions against the real broker: a transactional producer's commits, aborts (on `Err`
//! and on a panic) and fencing; consume-transform-produce with `Context::transaction`; the
//! dead-letter queue of a transactional route; a transaction of a revoked partition; lag as a
//! `read_committed` reader sees it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use karafka::admin::Admin;
use karafka::middleware::dead_letter_queue::headers;
use karafka::middleware::DeadLetterQueue;
use karafka::producer::{Producer, TransactionError};
use karafka::routing::{Routes, Topic};
use karafka::{async_trait, Config, Consumer, Context, Record};
use karafka_integration_tests::*;

/// Test settings whose producer is transactional, with a `transactional.id` of its own.
fn transactional(group: &str) -> Config {
    let mut config = config(group);
    config
        .producer
        .kafka
        .set("transactional.id", unique("transactional"));
    config
}

/// The payloads of `partition` of `topic` a `read_committed` reader sees.
async fn committed_payloads(topic: &str, partition: i32) -> Vec<String> {
    read_partition(topic, partition)
        .await
        .iter()
        .map(|message| String::from_utf8_lossy(message.raw_payload().unwrap_or_default()).into())
        .collect()
}

#[tokio::test]
async fn committed_records_are_read_and_aborted_ones_never() {
    let topic = unique("tx-producer");
    create_topic(&topic, 1).await;
    let config = transactional("tx-producer");
    let producer = Producer::new(&config).expect("producer");
    assert!(producer.is_transactional());
    let record = |payload: &str| Record::new(&topic, payload.as_bytes().to_vec());

    producer
        .transaction(|tx| async move {
            tx.produce(record("a")).await?;
            tx.produce(record("b")).await?;
            Ok::<_, anyhow::Error>(())
        })
        .await
        .expect("committed");

    let aborted = producer
        .transaction(|tx| async move {
            tx.produce(record("aborted")).await?.await?;
            anyhow::bail!("the body failed");
            #[allow(unreachable_code)]
            Ok(())
        })
        .await;
    assert_eq!(aborted.unwrap_err().to_string(), "the body failed");

    let panicking = producer.clone();
    let topic_for_panic = topic.clone();
    let panicked = tokio::spawn(async move {
        panicking
            .transaction(|tx| async move {
                tx.produce(Record::new(
                    &topic_for_panic,
                    "panicked".as_bytes().to_vec(),
                ))
                .await?
                .await?;
                panic!("the body panicked");
                #[allow(unreachable_code)]
                Ok::<_, anyhow::Error>(())
            })
            .await
    })
    .await;
    assert!(panicked.unwrap_err().is_panic(), "the panic went on");

    // Records produced outside a transaction each run in their own; inside one, by any clone of
    // the producer, they join it.
    producer.produce_sync(record("c")).await.expect("alone");
    let clone = producer.clone();
    producer
        .transaction(|_tx| async move {
            clone.produce_sync(record("d")).await?;
            Ok::<_, anyhow::Error>(())
        })
        .await
        .expect("joined");

    let nested = producer.clone();
    let refused = tokio::time::timeout(
        Duration::from_secs(30),
        producer.transaction(|_tx| async move {
            nested
                .transaction(|_inner| async move { Ok::<_, TransactionError>(()) })
                .await
        }),
    )
    .await
    .expect("a nested transaction answers within 30 s");
    assert!(
        matches!(refused, Err(TransactionError::Nested)),
        "a nested transaction is refused rather than waiting for itself: {refused:?}"
    );

    assert_eq!(committed_payloads(&topic, 0).await, ["a", "b", "c", "d"]);
    let (_, end) = Admin::new(&config)
        .unwrap()
        .watermarks(&topic, 0)
        .await
        .unwrap();
    // 6 records and a marker per transaction (3 commits, 2 aborts): the aborted records are in
    // the log, and hidden.
    assert_eq!(end, 11, "aborted records and markers are in the log");
}

#[tokio::test]
async fn an_open_transaction_is_not_lag() {
    let (topic, group) = (unique("tx-lag"), unique("tx-lag-group"));
    create_topic(&topic, 1).await;
    let config = transactional(&group);
    let producer = Producer::new(&config).expect("producer");
    // Outside any transaction: no commit marker follows it.
    produce_to(&topic, 0, &["{}"]).await;
    let admin = Admin::new(&config).unwrap();
    let seen = producer
        .transaction(|tx| async move {
            tx.produce(Record::new(&topic, "open".as_bytes().to_vec()))
                .await?
                .await?;
            let lag = admin.lag(&group, &topic).await?;
            Ok::<_, anyhow::Error>((lag[0].high_watermark, lag[0].lag))
        })
        .await
        .expect("committed");
    assert_eq!(seen, (1, 1), "the open transaction's record is not counted");
}

#[tokio::test]
async fn a_plain_producer_refuses_transactions_naming_the_setting() {
    let error = producer()
        .transaction(|_tx| async move { Ok::<_, TransactionError>(()) })
        .await
        .unwrap_err();
    assert!(matches!(error, TransactionError::NotTransactional));
    assert!(
        error
            .to_string()
            .contains("producer.kafka.\"transactional.id\""),
        "{error}"
    );
}

#[tokio::test]
async fn a_fenced_producer_fails_fatally_then_is_rebuilt() {
    let topic = unique("tx-fenced");
    create_topic(&topic, 1).await;
    let config = transactional("tx-fenced");
    let (first, second) = (
        Producer::new(&config).unwrap(),
        Producer::new(&config).unwrap(),
    );
    let commit = |producer: &Producer, payload: &'static str| {
        let (producer, record) = (
            producer.clone(),
            Record::new(&topic, payload.as_bytes().to_vec()),
        );
        async move {
            producer
                .transaction(|tx| async move {
                    tx.produce(record).await.map_err(anyhow::Error::from)?;
                    Ok::<_, anyhow::Error>(())
                })
                .await
        }
    };
    commit(&first, "first").await.expect("first committed");
    // The second producer with the same `transactional.id` fences the first.
    commit(&second, "second").await.expect("second committed");
    let fenced = commit(&first, "fenced").await.unwrap_err();
    assert!(
        matches!(
            fenced.downcast_ref::<TransactionError>(),
            Some(TransactionError::Fatal { .. })
        ),
        "{fenced:?}"
    );
    // Rebuilt before its next transaction, the first producer works again.
    commit(&first, "rebuilt")
        .await
        .expect("rebuilt and committed");
    assert_eq!(
        committed_payloads(&topic, 0).await,
        ["first", "second", "rebuilt"]
    );
}

/// Copies each message to `output` with its offset, marking it, in one transaction per batch.
#[derive(Clone)]
struct Transform {
    output: String,
}

#[async_trait]
impl Consumer for Transform {
    async fn consume(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        let messages = ctx.messages().clone();
        let output = self.output.clone();
        ctx.transaction(|tx| async move {
            for message in messages.iter() {
                let copy = format!("{}:{}", message.partition(), message.offset());
                tx.produce(Record::new(&output, copy.into_bytes())).await?;
                tx.mark_as_consumed(message);
            }
            Ok::<_, anyhow::Error>(())
        })
        .await
    }
}

#[tokio::test]
async fn consumed_offsets_and_produced_records_commit_together() {
    let (input, output, group) = (unique("tx-in"), unique("tx-out"), unique("tx-group"));
    create_topic(&input, 2).await;
    create_topic(&output, 1).await;
    for partition in 0..2 {
        produce_to(&input, partition, &["{}"; 5]).await;
    }
    let server = RunningServer::start(
        transactional(&group),
        Routes::new().topic(Topic::new(&input).consumer_with({
            let output = output.clone();
            move || Transform {
                output: output.clone(),
            }
        })),
    );
    wait_for(
        Duration::from_secs(60),
        "both partitions committed to their end",
        || committed_offsets_once_stable(&group, &input, 2) == Some(vec![Some(5), Some(5)]),
    )
    .await;
    let mut copies = committed_payloads(&output, 0).await;
    copies.sort();
    let expected: Vec<String> = (0..2)
        .flat_map(|partition| (0..5).map(move |offset| format!("{partition}:{offset}")))
        .collect();
    assert_eq!(copies, expected, "every message copied once");
    let lag = Admin::new(&config(&group))
        .unwrap()
        .lag(&group, &input)
        .await
        .unwrap();
    assert!(lag.iter().all(|partition| partition.lag == 0), "{lag:?}");
    server.stop().await;
}

/// Fails on a message whose payload is `"bad"`.
#[derive(Clone, Default)]
struct FailsOnBad;

#[async_trait]
impl Consumer for FailsOnBad {
    async fn consume(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        for message in ctx.messages() {
            anyhow::ensure!(message.raw_payload() != Some(b"bad"), "bad payload");
            ctx.mark_as_consumed(message);
        }
        Ok(())
    }
}

#[tokio::test]
async fn a_transactional_route_writes_its_dead_letters_in_transactions() {
    let (topic, dlq, group) = (unique("tx-dlq"), unique("tx-dlq-dead"), unique("tx-dlq-g"));
    create_topic(&topic, 1).await;
    create_topic(&dlq, 1).await;
    for payload in ["good", "bad", "good"] {
        producer()
            .produce_sync(Record::new(&topic, payload.as_bytes().to_vec()).partition(0))
            .await
            .unwrap();
    }
    let server = RunningServer::start(
        transactional(&group),
        Routes::new().topic(
            Topic::new(&topic)
                .consumer::<FailsOnBad>()
                .dead_letter_queue(DeadLetterQueue::new(&dlq).max_retries(0)),
        ),
    );
    wait_for(Duration::from_secs(60), "the partition committed", || {
        committed_offsets_once_stable(&group, &topic, 1) == Some(vec![Some(3)])
    })
    .await;
    server.stop().await;
    let dead = read_partition(&dlq, 0).await;
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].raw_payload(), Some(&b"bad"[..]));
    assert_eq!(dead[0].headers().get_str(headers::OFFSET), Some("1"));
    let (_, end) = Admin::new(&config(&group))
        .unwrap()
        .watermarks(&dlq, 0)
        .await
        .unwrap();
    assert_eq!(
        end, 2,
        "the dead letter and its transaction's commit marker"
    );
}

/// Holds its first batch until the partition is revoked, then tries a transaction and records
/// its error. A later batch (the next owner's) is held until `released`, so nothing else marks
/// the message before the test read the committed offset.
#[derive(Clone)]
struct LateTransaction {
    holding: Arc<AtomicBool>,
    refused: Arc<Mutex<Option<String>>>,
    released: Arc<AtomicBool>,
}

#[async_trait]
impl Consumer for LateTransaction {
    async fn consume(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        let started = Instant::now();
        if self.holding.swap(true, Ordering::SeqCst) {
            while !self.released.load(Ordering::SeqCst)
                && started.elapsed() < Duration::from_secs(60)
            {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            return Ok(());
        }
        while !ctx.revoked() && started.elapsed() < Duration::from_secs(60) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let messages = ctx.messages().clone();
        let result = ctx
            .transaction(|tx| async move {
                if let Some(first) = messages.first() {
                    tx.mark_as_consumed(first);
                }
                Ok::<_, TransactionError>(())
            })
            .await;
        *self.refused.lock().unwrap() = Some(match result {
            Err(TransactionError::Revoked { .. }) => "revoked".to_owned(),
            other => format!("{other:?}"),
        });
        Ok(())
    }
}

#[tokio::test]
async fn a_transaction_of_a_revoked_partition_is_refused() {
    let (topic, group) = (unique("tx-revoked"), unique("tx-revoked-group"));
    create_topic(&topic, 1).await;
    produce_to(&topic, 0, &["{}"]).await;
    let consumer = LateTransaction {
        holding: Arc::default(),
        refused: Arc::default(),
        released: Arc::default(),
    };
    let start = || {
        let consumer = consumer.clone();
        RunningServer::start(
            transactional(&group),
            Routes::new().topic(
                Topic::new(&topic)
                    .long_running_job(true)
                    .consumer_with(move || consumer.clone()),
            ),
        )
    };
    let first = start();
    wait_for(Duration::from_secs(30), "the first batch held", || {
        consumer.holding.load(Ordering::SeqCst)
    })
    .await;
    // A second member joins: the rebalance revokes the partition while the job holds it.
    let second = start();
    wait_for(Duration::from_secs(60), "the late transaction", || {
        consumer.refused.lock().unwrap().is_some()
    })
    .await;
    assert_eq!(consumer.refused.lock().unwrap().as_deref(), Some("revoked"));
    assert_eq!(
        committed_offsets(&group, &topic, 1),
        [None],
        "the refused transaction committed nothing"
    );
    consumer.released.store(true, Ordering::SeqCst);
    first.stop().await;
    second.stop().await;
}
