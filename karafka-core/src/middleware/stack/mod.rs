//! A topic's whole stack, built in one place. Innermost first:
//!
//! 1. the consumer ([`ConsumerService`]: calls `consume`, turns a panic into an error, marks the
//!    batch's last message on success unless offsets are managed by hand);
//! 2. virtual partitions, when routed: one consumer (and step 1) per virtual partition;
//! 3. the dead-letter queue, so it sees the failures of every virtual partition;
//! 4. the filters (`filter`, `expire_in`, `delay_by`, `throttle`), in route order, so filtered
//!    messages never count as failures;
//! 5. the route's own layers, the last added outermost (as in axum).

mod consumer_service;

use std::sync::Arc;

use tokio::sync::Mutex;
use tower::util::BoxService;

use consumer_service::ConsumerService;

use super::dead_letter_queue::{DeadLetterQueue, DeadLetterQueueLayer, Dispatcher};
use super::virtual_partitions::{VirtualPartitions, VirtualPartitionsService};
use super::{stack_layer, ConsumerStack, StackLayer};
use crate::consumer::DeadLetterSink;
use crate::Consumer;

/// The consumer instance of one partition (or virtual partition), shared by its stack and its
/// lifecycle hooks. Jobs of a partition run one at a time, so two jobs never contend for it.
pub(crate) type SharedConsumer = Arc<Mutex<Box<dyn Consumer>>>;

/// What runs around a topic's consumer, as its route decided; [`TopicStack::build`] assembles it
/// per partition assignment.
#[derive(Clone, Default)]
pub(crate) struct TopicStack {
    pub(crate) manual_offset_management: bool,
    /// The settings, and how many virtual partitions run at once.
    pub(crate) virtual_partitions: Option<(Arc<VirtualPartitions>, usize)>,
    pub(crate) dead_letter: Option<(Arc<DeadLetterQueue>, Arc<Dispatcher>)>,
    pub(crate) filters: Vec<StackLayer>,
    pub(crate) layers: Vec<StackLayer>,
}

impl TopicStack {
    /// The stack of one partition assignment around consumers from `new_consumer` (one, or one
    /// per virtual partition), and those consumers, for the lifecycle hooks.
    pub(crate) fn build(
        &self,
        new_consumer: impl Fn() -> Box<dyn Consumer>,
    ) -> (ConsumerStack, Vec<SharedConsumer>) {
        let consume = |consumer: &SharedConsumer| {
            BoxService::new(ConsumerService::new(
                Arc::clone(consumer),
                self.manual_offset_management,
            ))
        };
        let (innermost, consumers) = match &self.virtual_partitions {
            Some((settings, count)) => {
                let consumers: Vec<SharedConsumer> = (0..*count)
                    .map(|_| Arc::new(Mutex::new(new_consumer())))
                    .collect();
                let stacks = consumers.iter().map(consume).collect();
                let service = VirtualPartitionsService::new(stacks, Arc::clone(settings));
                (BoxService::new(service), consumers)
            }
            None => {
                let consumer: SharedConsumer = Arc::new(Mutex::new(new_consumer()));
                (consume(&consumer), vec![consumer])
            }
        };
        let dead_letter = self.dead_letter.iter().map(|(settings, dispatcher)| {
            stack_layer(DeadLetterQueueLayer::new(
                Arc::clone(settings),
                Arc::clone(dispatcher),
            ))
        });
        let stack = dead_letter
            .chain(self.filters.iter().cloned())
            .chain(self.layers.iter().cloned())
            .fold(innermost, |stack, layer| layer(stack));
        (stack, consumers)
    }

    /// Whether a partition's batches run side by side (streaming virtual partitions). Not with
    /// filters: they decide per batch, in order, and may pause the partition at a message.
    pub(crate) fn streams(&self) -> bool {
        self.filters.is_empty()
            && self
                .virtual_partitions
                .as_ref()
                .is_some_and(|(settings, _)| settings.streaming)
    }

    /// Where [`Context::dispatch_to_dlq`](crate::Context::dispatch_to_dlq) sends messages.
    pub(crate) fn dead_letter_sink(&self) -> Option<Arc<dyn DeadLetterSink>> {
        self.dead_letter
            .as_ref()
            .map(|(_, dispatcher)| Arc::clone(dispatcher) as Arc<dyn DeadLetterSink>)
    }

    /// What runs around the consumer, in words, for `info`.
    pub(crate) fn features(&self) -> Vec<String> {
        let mut features = Vec::new();
        if let Some((settings, _)) = &self.dead_letter {
            features.push(settings.describe());
        }
        if let Some((_, count)) = &self.virtual_partitions {
            features.push(format!("up to {count} virtual partitions"));
        }
        if !self.filters.is_empty() {
            features.push(format!("{} filter(s)", self.filters.len()));
        }
        if !self.layers.is_empty() {
            features.push(format!("{} layer(s)", self.layers.len()));
        }
        features
    }
}
