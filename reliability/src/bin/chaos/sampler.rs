//! The committed offsets of the group, sampled from the broker while a run goes on.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use karafka_reliability::history::CommitSample;
use rdkafka::consumer::{BaseConsumer, Consumer as _};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};

use crate::timing::now_micros;

/// Samples the group's committed offsets every 200 ms on a thread of its own, until dropped.
pub(crate) struct Sampler {
    pub(crate) samples: Arc<Mutex<Vec<CommitSample>>>,
    pub(crate) sampling: Arc<AtomicBool>,
    pub(crate) thread: Option<std::thread::JoinHandle<()>>,
}

impl Sampler {
    pub(crate) fn start(
        bootstrap: &str,
        group: &str,
        topic: &str,
        partitions: i32,
    ) -> anyhow::Result<Self> {
        let consumer: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", bootstrap)
            .set("group.id", group)
            .create()?;
        let (samples, sampling) = (
            Arc::<Mutex<Vec<CommitSample>>>::default(),
            Arc::new(AtomicBool::new(true)),
        );
        let thread = {
            let (samples, sampling, topic) = (
                Arc::clone(&samples),
                Arc::clone(&sampling),
                topic.to_owned(),
            );
            std::thread::spawn(move || {
                while sampling.load(Ordering::Relaxed) {
                    if let Some(offsets) = committed(&consumer, &topic, partitions) {
                        // Stamped on arrival: an answer delayed by a broker restart shows
                        // commits made while it was pending.
                        let at = now_micros();
                        let mut samples = samples.lock().unwrap_or_else(PoisonError::into_inner);
                        samples.extend(offsets.iter().enumerate().filter_map(|(p, o)| {
                            o.map(|offset| CommitSample {
                                at,
                                partition: p as i32,
                                offset,
                            })
                        }));
                    }
                    std::thread::sleep(Duration::from_millis(200));
                }
            })
        };
        Ok(Self {
            samples,
            sampling,
            thread: Some(thread),
        })
    }

    /// Stops sampling and returns the samples.
    pub(crate) fn finish(mut self) -> Vec<CommitSample> {
        self.stop();
        std::mem::take(&mut *self.samples.lock().unwrap_or_else(PoisonError::into_inner))
    }

    pub(crate) fn stop(&mut self) {
        self.sampling.store(false, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Sampler {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Committed offsets of `group` on `topic`, read from the broker.
pub(crate) fn committed(
    consumer: &BaseConsumer,
    topic: &str,
    partitions: i32,
) -> Option<Vec<Option<i64>>> {
    let mut list = TopicPartitionList::new();
    for partition in 0..partitions {
        list.add_partition(topic, partition);
    }
    let committed = consumer
        .committed_offsets(list, Duration::from_secs(5))
        .ok()?;
    Some(
        (0..partitions)
            .map(
                |p| match committed.find_partition(topic, p).map(|e| e.offset()) {
                    Some(Offset::Offset(offset)) => Some(offset),
                    _ => None,
                },
            )
            .collect(),
    )
}
