//! `Context::transaction` on the in-memory backend: what a transaction marks is committed once
//! it commits, with what it produced; a body that fails marks nothing; under virtual partitions
//! a transaction that marks is refused.

use std::sync::{Arc, Mutex, PoisonError};

use async_trait::async_trait;

use super::recorder::{produce, runtime};
use crate::middleware::VirtualPartitions;
use crate::producer::{Record, TransactionError};
use crate::routing::Topic;
use crate::{Consumer, Context};

/// Copies each message to `totals` and marks it, in one transaction per batch; the first
/// attempt of a batch fails after producing when `fail_first` is set. Records the errors.
#[derive(Clone, Default)]
struct Copier {
    fail_first: bool,
    errors: Arc<Mutex<Vec<String>>>,
}

#[async_trait]
impl Consumer for Copier {
    async fn consume(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        let messages = ctx.messages().clone();
        let fail = self.fail_first && ctx.attempt() == 1;
        let result = ctx
            .transaction(|tx| async move {
                for message in messages.iter() {
                    let copy = Record::raw("totals", message.raw_payload().map(<[u8]>::to_vec));
                    tx.produce(copy).await?;
                    tx.mark_as_consumed(message);
                }
                anyhow::ensure!(!fail, "the first attempt fails");
                Ok(())
            })
            .await;
        if let Err(error) = &result {
            self.errors
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(error.to_string());
        }
        result
    }
}

#[tokio::test(start_paused = true)]
async fn a_committed_transaction_commits_its_marks() {
    let runtime = runtime(Topic::new("orders").consumer_with(Copier::default));
    produce(&runtime, "orders", 3);
    runtime.consume("orders").await.expect("consumed");
    assert_eq!(runtime.produced("totals").len(), 3);
    assert_eq!(runtime.committed("orders", 0), Some(3));
}

#[tokio::test(start_paused = true)]
async fn a_failed_body_marks_nothing_and_the_batch_is_retried() {
    let copier = Copier {
        fail_first: true,
        ..Copier::default()
    };
    let errors = Arc::clone(&copier.errors);
    let runtime = runtime(Topic::new("orders").consumer_with(move || copier.clone()));
    produce(&runtime, "orders", 2);
    assert!(
        runtime.consume("orders").await.is_err(),
        "the first attempt fails"
    );
    assert_eq!(
        runtime.committed("orders", 0),
        None,
        "its marks were dropped"
    );
    runtime.consume("orders").await.expect("the retry succeeds");
    assert_eq!(
        *errors.lock().unwrap_or_else(PoisonError::into_inner),
        ["the first attempt fails"]
    );
    // In memory, what an aborted transaction produced stays (documented): 2 + 2 copies.
    assert_eq!(runtime.produced("totals").len(), 4);
    assert_eq!(runtime.committed("orders", 0), Some(2));
}

/// Marks its batch in a transaction and records the transaction's error, if any.
#[derive(Clone, Default)]
struct VirtualMarker {
    errors: Arc<Mutex<Vec<String>>>,
}

#[async_trait]
impl Consumer for VirtualMarker {
    async fn consume(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        let messages = ctx.messages().clone();
        let result = ctx
            .transaction(|tx| async move {
                if let Some(last) = messages.last() {
                    tx.mark_as_consumed(last);
                }
                Ok::<_, TransactionError>(())
            })
            .await;
        if let Err(error) = result {
            self.errors
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(error.to_string());
        }
        Ok(())
    }
}

#[tokio::test(start_paused = true)]
async fn a_transaction_that_marks_under_virtual_partitions_is_refused() {
    let consumer = VirtualMarker::default();
    let errors = Arc::clone(&consumer.errors);
    let runtime = runtime(
        Topic::new("orders")
            .consumer_with(move || consumer.clone())
            .virtual_partitions(VirtualPartitions::by_key().max_partitions(2)),
    );
    produce(&runtime, "orders", 2);
    runtime.consume("orders").await.expect("consumed");
    let errors = errors.lock().unwrap_or_else(PoisonError::into_inner);
    assert!(!errors.is_empty());
    assert!(
        errors
            .iter()
            .all(|error| error.contains("virtual partitions")),
        "{errors:?}"
    );
}
