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
    report: Report,
}

/// Where the acknowledgement comes from.
enum Report {
    Kafka(DeliveryFuture),
    /// Known when enqueued (the in-memory producer); taken by the first poll.
    Ready(Option<Delivery>),
}

impl DeliveryHandle {
    pub(crate) fn new(topic: String, future: DeliveryFuture) -> Self {
        Self {
            topic,
            report: Report::Kafka(future),
        }
    }

    /// A record already stored (by the in-memory producer).
    pub(crate) fn delivered(delivery: Delivery) -> Self {
        Self {
            topic: delivery.topic.clone(),
            report: Report::Ready(Some(delivery)),
        }
    }
}

impl Future for DeliveryHandle {
    type Output = Result<Delivery, ProduceError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // Both fields are `Unpin`, so the handle may be used through a plain `&mut`.
        let this = self.get_mut();
        let report = match &mut this.report {
            Report::Kafka(future) => match Pin::new(future).poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(report) => report,
            },
            Report::Ready(delivery) => {
                let topic = std::mem::take(&mut this.topic);
                return Poll::Ready(delivery.take().ok_or(ProduceError::Canceled { topic }));
            }
        };
        let topic = std::mem::take(&mut this.topic);
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
