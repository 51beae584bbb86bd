//! What every handler shares.

use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard};

use karafka::admin::Admin;
use karafka::config::WebConfig;
use karafka::routing::RouteDescription;

use super::board::Board;
use crate::commands::Commander;
use crate::dlq::DeadLetters;

/// The board, shared by the tail (writing) and the pages (reading).
pub type SharedBoard = Arc<RwLock<Board>>;

/// The handlers' state.
pub struct Shared {
    /// What the tail has read.
    pub board: SharedBoard,
    /// The `[web]` settings.
    pub web: WebConfig,
    /// The app's routes.
    pub routes: Vec<RouteDescription>,
    /// The cluster.
    pub admin: Admin,
    /// Sends commands.
    pub commander: Commander,
    /// Lists and replays dead letters.
    pub dead_letters: DeadLetters,
}

impl Shared {
    /// The board to read. A writer that panicked left a board that is still whole (each update
    /// is one call), so a poisoned lock is read anyway.
    pub fn board(&self) -> RwLockReadGuard<'_, Board> {
        self.board.read().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Milliseconds since the Unix epoch, now: the crate's one clock.
pub(crate) use crate::commands::now_millis as now_ms;
