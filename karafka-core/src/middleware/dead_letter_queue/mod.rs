//! Dead-letter queue: after `max_retries` failed attempts on a message, send it to another topic
//! and go on with the next one.

/// Dead-letter queue settings of a topic.
///
/// ```
/// use karafka::middleware::DeadLetterQueue;
///
/// let dlq = DeadLetterQueue::new("orders_dlq").max_retries(3).independent(true);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetterQueue {
    pub(crate) topic: Option<String>,
    pub(crate) max_retries: u32,
    pub(crate) independent: bool,
}

impl DeadLetterQueue {
    /// Dispatch messages that failed `max_retries` times (3 by default) to `topic`.
    pub fn new(topic: impl Into<String>) -> Self {
        Self {
            topic: Some(topic.into()),
            max_retries: 3,
            independent: false,
        }
    }

    /// Skip messages that failed `max_retries` times, without dispatching them (logged).
    pub fn skip() -> Self {
        Self {
            topic: None,
            ..Self::new(String::new())
        }
    }

    /// How many retries a message gets before it is dispatched (or skipped).
    pub fn max_retries(mut self, max_retries: u32) -> Self {
        self.max_retries = max_retries;
        self
    }

    /// With `true`, every successfully handled message resets the attempt count, so a flapping
    /// dependency does not push healthy messages to the dead-letter queue.
    pub fn independent(mut self, independent: bool) -> Self {
        self.independent = independent;
        self
    }
}
