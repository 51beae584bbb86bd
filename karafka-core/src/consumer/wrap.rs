//! A hook around every action the runtime runs on a route's consumers.

use std::fmt;

use futures_util::future::BoxFuture;

use crate::{BoxError, TopicPartition};

/// What the runtime runs on a consumer instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Action {
    /// [`Consumer::initialized`](super::Consumer::initialized).
    Initialized,
    /// A batch through the route's stack down to [`Consumer::consume`](super::Consumer::consume).
    Consume,
    /// [`Consumer::tick`](super::Consumer::tick).
    Tick,
    /// [`Consumer::eofed`](super::Consumer::eofed).
    Eofed,
    /// [`Consumer::revoked`](super::Consumer::revoked).
    Revoked,
    /// [`Consumer::shutdown`](super::Consumer::shutdown).
    Shutdown,
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Initialized => "initialized",
            Self::Consume => "consume",
            Self::Tick => "tick",
            Self::Eofed => "eofed",
            Self::Revoked => "revoked",
            Self::Shutdown => "shutdown",
        })
    }
}

/// Runs around every [`Action`] of a route's consumers (Karafka's `wrap`): to set up what the
/// action's code expects, such as a task-local, a span or a database transaction scope. Layers
/// see only `consume`; a wrap sees the hooks too. Set with
/// [`Topic::wrap`](crate::routing::Topic::wrap).
///
/// ```
/// use futures_util::future::BoxFuture;
/// use karafka::consumer::{Action, Wrap};
/// use karafka::{BoxError, TopicPartition};
///
/// tokio::task_local! {
///     static PARTITION: String;
/// }
///
/// /// Code of any action can read which partition it runs for.
/// struct WithPartition;
///
/// impl Wrap for WithPartition {
///     fn wrap<'a>(
///         &'a self,
///         _action: Action,
///         partition: &'a TopicPartition,
///         run: BoxFuture<'a, Result<(), BoxError>>,
///     ) -> BoxFuture<'a, Result<(), BoxError>> {
///         Box::pin(PARTITION.scope(partition.to_string(), run))
///     }
/// }
/// ```
pub trait Wrap: Send + Sync + 'static {
    /// Runs `run` (the action on `partition`) and returns its result, or another.
    fn wrap<'a>(
        &'a self,
        action: Action,
        partition: &'a TopicPartition,
        run: BoxFuture<'a, Result<(), BoxError>>,
    ) -> BoxFuture<'a, Result<(), BoxError>>;
}
