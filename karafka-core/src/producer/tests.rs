//! The producer on the in-memory cluster: batches enqueued at once, and layers.

use std::sync::Arc;

use proptest::prelude::*;

use super::{map_record, NotEnqueued, ProduceError, Producer, Record};
use crate::memory::Cluster;

/// A producer into a fresh cluster whose topic `t` has `partitions` partitions.
fn in_memory(partitions: i32) -> (Producer, Arc<Cluster>) {
    let cluster = Arc::new(Cluster::new());
    cluster.create_topic("t", partitions);
    (Producer::in_memory(Arc::clone(&cluster)), cluster)
}

fn block_on<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap_or_else(|error| panic!("a test runtime: {error}"))
        .block_on(future)
}

/// The payloads stored in `partition` of `t`, in offset order.
fn stored(cluster: &Cluster, partition: i32) -> Vec<Vec<u8>> {
    cluster
        .records("t")
        .into_iter()
        .filter(|(p, _, _)| *p == partition)
        .map(|(_, _, record)| record.payload.unwrap_or_default())
        .collect()
}

proptest! {
    /// One entry per record at its index; a record for a partition the topic lacks is reported
    /// with its index and topic, and every other record lands, in order, in its partition.
    #[test]
    fn produce_many_async_lines_entries_up_with_records(
        partitions in 1..4i32,
        targets in prop::collection::vec(0..6i32, 0..20),
    ) {
        let (producer, cluster) = in_memory(partitions);
        let records = targets
            .iter()
            .enumerate()
            .map(|(i, &partition)| Record::new("t", i.to_string()).partition(partition));

        let enqueued = block_on(producer.produce_many_async(records));

        prop_assert_eq!(enqueued.len(), targets.len());
        for (index, (entry, &partition)) in enqueued.iter().zip(&targets).enumerate() {
            match entry {
                Ok(_) => prop_assert!(partition < partitions),
                Err(NotEnqueued { index: reported, error, .. }) => {
                    prop_assert!(partition >= partitions);
                    prop_assert_eq!(*reported, index);
                    prop_assert_eq!(error.topic(), Some("t"));
                }
            }
        }
        for partition in 0..partitions {
            let expected: Vec<Vec<u8>> = targets
                .iter()
                .enumerate()
                .filter(|(_, &p)| p == partition)
                .map(|(i, _)| i.to_string().into_bytes())
                .collect();
            prop_assert_eq!(stored(&cluster, partition), expected);
        }
    }
}

#[tokio::test]
async fn layers_see_records_outermost_first_and_reach_the_in_memory_cluster() {
    let (producer, cluster) = in_memory(1);
    let producer = producer
        .layer(map_record(|record: Record| {
            Ok(record.header("layer", "inner"))
        }))
        .layer(map_record(|record: Record| {
            Ok(record.header("layer", "outer"))
        }));

    let handles = producer
        .produce_many_async([Record::new("t", "a"), Record::new("t", "b")])
        .await;
    for handle in handles {
        handle
            .unwrap_or_else(|failed| panic!("{failed}"))
            .await
            .unwrap_or_else(|error| panic!("{error}"));
    }

    let records = cluster.records("t");
    assert_eq!(records.len(), 2);
    for (_, _, record) in records {
        assert_eq!(
            record.headers,
            [
                ("layer".to_owned(), Some(b"outer".to_vec())),
                ("layer".to_owned(), Some(b"inner".to_vec())),
            ]
        );
    }
}

#[tokio::test]
async fn a_refused_record_is_a_rejection_and_errors_below_a_layer_keep_their_kind() {
    let (producer, cluster) = in_memory(1);
    let producer = producer.layer(map_record(|record: Record| {
        if record.topic() == "secrets" {
            return Err("no writes to secrets".into());
        }
        Ok(record)
    }));

    let refused = producer
        .produce_sync(Record::new("secrets", "x"))
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, ProduceError::Rejected { topic, .. } if topic == "secrets"),
        "{refused:?}"
    );
    assert!(cluster.records("secrets").is_empty(), "nothing was stored");
    let below = producer
        .produce_sync(Record::new("t", "y").partition(3))
        .await
        .unwrap_err();
    assert!(matches!(below, ProduceError::Delivery { .. }), "{below:?}");
}

#[test]
fn clones_made_before_a_layer_keep_their_layers() {
    let (producer, cluster) = in_memory(1);
    let plain = producer.clone();
    // Any tower layer over the stack works, not only `map_record`.
    let layered = producer.layer(tower::util::MapRequestLayer::new(|record: Record| {
        record.header("h", "v")
    }));

    block_on(async {
        plain.produce_sync(Record::new("t", "plain")).await?;
        layered.produce_sync(Record::new("t", "layered")).await
    })
    .unwrap_or_else(|error| panic!("{error}"));

    let headers: Vec<usize> = cluster
        .records("t")
        .into_iter()
        .map(|(_, _, record)| record.headers.len())
        .collect();
    assert_eq!(headers, [0, 1]);
}
