//! Delivery reports.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use rdkafka::producer::DeliveryFuture;

use super::ProduceError;

/// Where the broker stored a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// The topic.
    pub topic: String,
    /// The partition the record landed in.
    pub partition: i32,
    /// The record's offset there.
    pub offset: i64,
}

/// A record enqueued by [`Producer::produce_async`](super::Producer::produce_async); awaiting it
/// gives the broker's acknowledgement. Dropping it does not cancel the delivery.
pub struct DeliveryHandle {
    topic: String,
    future: DeliveryFuture,
}

impl DeliveryHandle {
    pub(crate) fn new(topic: String, future: DeliveryFuture) -> Self {
        Self { topic, future }
    }
}

impl Future for DeliveryHandle {
    type Output = Result<Delivery, ProduceError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let report = match Pin::new(&mut self.future).poll(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(report) => report,
        };
        let topic = std::mem::take(&mut self.topic);
        Poll::Ready(match report {
            Ok(Ok(delivery)) => Ok(Delivery {
                topic,
                partition: delivery.partition,
                offset: delivery.offset,
            }),
            Ok(Err((error, _))) => Err(ProduceError::Delivery { topic, error }),
            Err(_) => Err(ProduceError::Canceled { topic }),
        })
    }
}
