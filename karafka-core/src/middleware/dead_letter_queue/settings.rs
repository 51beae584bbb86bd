//! What a topic's dead-letter queue does: where it sends messages, after how many attempts, and
//! who decides.

use std::error::Error;
use std::fmt;
use std::sync::Arc;

/// What happens to a failing message after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Pause the partition and try again after the backoff.
    Retry,
    /// Send the message to the dead-letter topic, mark it, go on with the next one.
    Dispatch,
    /// Mark the message without sending it anywhere (logged), go on with the next one.
    Skip,
}

/// Decides per error and attempt (1 for the first failure) what happens to a failing message.
pub(crate) type Strategy = Arc<dyn Fn(&(dyn Error + 'static), u32) -> Decision + Send + Sync>;

/// Dead-letter queue settings of a topic.
///
/// After `max_retries` failed retries of a message (3 by default), the message is sent to the
/// dead-letter topic with headers naming where it came from and why it failed, marked, and
/// processing goes on with the next message. It is marked only once the dead-letter write is
/// acknowledged; a failed write leaves it unmarked and the partition retries.
///
/// ```
/// use karafka::middleware::{DeadLetterQueue, Decision};
///
/// let dlq = DeadLetterQueue::new("orders_dlq")
///     .max_retries(3)
///     .independent(true)
///     .guard(0.5, 100)
///     .strategy(|error, attempt| {
///         if error.to_string().contains("invalid") { Decision::Dispatch }
///         else if attempt <= 3 { Decision::Retry }
///         else { Decision::Dispatch }
///     });
/// ```
#[derive(Clone)]
pub struct DeadLetterQueue {
    pub(crate) topic: Option<String>,
    pub(crate) max_retries: u32,
    pub(crate) independent: bool,
    pub(crate) strategy: Option<Strategy>,
    pub(crate) guard: Option<(f64, usize)>,
}

impl fmt::Debug for DeadLetterQueue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeadLetterQueue")
            .field("topic", &self.topic)
            .field("max_retries", &self.max_retries)
            .field("independent", &self.independent)
            .field("strategy", &self.strategy.is_some())
            .field("guard", &self.guard)
            .finish()
    }
}

impl DeadLetterQueue {
    /// Dispatch messages that failed `max_retries` retries (3 by default) to `topic`.
    pub fn new(topic: impl Into<String>) -> Self {
        Self {
            topic: Some(topic.into()),
            max_retries: 3,
            independent: false,
            strategy: None,
            guard: None,
        }
    }

    /// Skip messages that failed `max_retries` retries, without dispatching them (logged).
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

    /// With `true`, every handled message resets the attempt count, so a flapping dependency
    /// does not push healthy messages to the dead-letter queue: the count is per message.
    pub fn independent(mut self, independent: bool) -> Self {
        self.independent = independent;
        self
    }

    /// Decides per error and attempt instead of the `max_retries` rule. Errors marked
    /// [`Fatal`](super::Fatal) are never dispatched, whatever the strategy says.
    pub fn strategy(
        mut self,
        strategy: impl Fn(&(dyn Error + 'static), u32) -> Decision + Send + Sync + 'static,
    ) -> Self {
        self.strategy = Some(Arc::new(strategy));
        self
    }

    /// Stops dispatching when more than `max_share` (0.0 to 1.0) of the last `window` messages of
    /// a partition would have gone to the dead-letter topic (a bad deploy, not bad data): the
    /// partition then pauses and the error says so, instead of emptying the topic into the
    /// dead-letter queue.
    pub fn guard(mut self, max_share: f64, window: usize) -> Self {
        self.guard = Some((max_share, window));
        self
    }

    /// What it does, in a few words, for `info`.
    pub(crate) fn describe(&self) -> String {
        let mut text = match (&self.strategy, &self.topic) {
            (Some(_), Some(topic)) => format!("dead-letter queue `{topic}`, by strategy"),
            (Some(_), None) => "skip by strategy".to_owned(),
            (None, Some(topic)) => format!(
                "dead-letter queue `{topic}` after {} retries",
                self.max_retries
            ),
            (None, None) => format!("skip after {} retries", self.max_retries),
        };
        if self.independent {
            text.push_str(", counted per message");
        }
        if let Some((share, window)) = self.guard {
            text.push_str(&format!(
                ", guard: at most {:.0} % of {window}",
                share * 100.0
            ));
        }
        text
    }

    /// The decision for `error` after `attempt` failed attempts.
    pub(crate) fn decide(&self, error: &(dyn Error + 'static), attempt: u32) -> Decision {
        match &self.strategy {
            Some(strategy) => strategy(error, attempt),
            None if attempt <= self.max_retries => Decision::Retry,
            None if self.topic.is_some() => Decision::Dispatch,
            None => Decision::Skip,
        }
    }
}
