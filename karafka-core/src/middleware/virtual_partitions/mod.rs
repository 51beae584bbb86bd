//! Virtual partitions: key-ordered parallelism inside one partition.
//!
//! A batch is split by the partitioner into virtual partitions, each handled by its own consumer
//! instance, all at once (within the partition's one job slot), in offset order within each. What
//! they mark goes through a virtual offset manager, which stores only the highest offset below
//! which every message is handled, so a crash never commits past an unhandled message.
//!
//! When a virtual partition fails, the others finish; the partition then retries from the lowest
//! unhandled offset *collapsed*: one consumer, partition order, skipping what was handled, until
//! it is past the failed batch. Then parallelism resumes.

mod group;
mod offsets;
mod settings;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context as TaskContext, Poll};

use futures_util::future::{join_all, BoxFuture};
use tower::Service;
use tracing::{Instrument as _, Span};

pub use settings::{Distribution, Keyless, VirtualPartitions};

use group::VirtualGroup;
use offsets::VirtualOffsets;

use super::{ConsumerStack, Shared};
use crate::{BoxError, Context, Messages};

/// What a partition's virtual partitions remember between jobs.
#[derive(Debug, Default)]
struct State {
    /// Run collapsed until a batch reaches this offset.
    collapsed_until: Option<i64>,
    /// Offsets handled in failed attempts, not covered by the stored offset yet.
    handled: BTreeSet<i64>,
}

/// The virtual partitions of one partition: one consumer stack per virtual partition.
pub(crate) struct VirtualPartitionsService {
    stacks: Arc<[Shared<ConsumerStack>]>,
    settings: Arc<VirtualPartitions>,
    state: Arc<Mutex<State>>,
}

impl VirtualPartitionsService {
    /// Runs the virtual partitions through `stacks`, one each.
    pub(crate) fn new(stacks: Vec<ConsumerStack>, settings: Arc<VirtualPartitions>) -> Self {
        Self {
            stacks: stacks.into_iter().map(Shared::new).collect(),
            settings,
            state: Arc::default(),
        }
    }
}

impl Service<Context> for VirtualPartitionsService {
    type Response = ();
    type Error = BoxError;
    type Future = BoxFuture<'static, Result<(), BoxError>>;

    fn poll_ready(&mut self, _: &mut TaskContext<'_>) -> Poll<Result<(), BoxError>> {
        // Each virtual partition's stack is awaited for readiness inside the call.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, ctx: Context) -> Self::Future {
        let job = Job {
            stacks: Arc::clone(&self.stacks),
            settings: Arc::clone(&self.settings),
            state: Arc::clone(&self.state),
        };
        Box::pin(job.run(ctx))
    }
}

struct Job {
    stacks: Arc<[Shared<ConsumerStack>]>,
    settings: Arc<VirtualPartitions>,
    state: Arc<Mutex<State>>,
}

impl Job {
    fn state(&self) -> MutexGuard<'_, State> {
        // A flag and a set, consistent whenever the lock is released.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    async fn run(self, ctx: Context) -> Result<(), BoxError> {
        let batch = ctx.messages().clone();
        let (Some(first), Some(last)) = (batch.first_offset(), batch.last_offset()) else {
            return Ok(());
        };
        let collapsed = self
            .state()
            .collapsed_until
            .is_some_and(|until| first <= until);
        let result = if collapsed {
            self.collapsed(&ctx, &batch).await
        } else {
            self.parallel(&ctx, &batch).await
        };
        let mut state = self.state();
        match &result {
            Ok(()) if collapsed && state.collapsed_until.is_some_and(|until| last >= until) => {
                state.collapsed_until = None;
                state.handled.clear();
            }
            Ok(()) => {}
            Err(_) if !collapsed => state.collapsed_until = Some(last),
            Err(_) => {}
        }
        result
    }

    async fn parallel(&self, ctx: &Context, batch: &Messages) -> Result<(), BoxError> {
        let groups = self.settings.assign(batch.iter(), self.stacks.len());
        let offsets: Vec<i64> = batch.iter().map(|m| m.offset()).collect();
        let marks = Arc::new(Mutex::new(VirtualOffsets::new(offsets.clone(), &groups)));
        let calls = (0..self.stacks.len()).filter_map(|group| {
            let members: Vec<i64> = offsets
                .iter()
                .zip(&groups)
                .filter(|(_, g)| **g == group)
                .map(|(offset, _)| *offset)
                .collect();
            if members.is_empty() {
                return None;
            }
            let messages = batch.select(|m| members.binary_search(&m.offset()).is_ok());
            let span = share_span(group, &messages, false);
            let virtual_ctx = ctx.virtual_fork(
                messages,
                Arc::new(VirtualGroup::new(Arc::clone(&marks), group, false)),
            );
            Some(self.stacks[group].call(virtual_ctx).instrument(span))
        });
        // Every virtual partition finishes, also when another fails.
        let results = join_all(calls).await;
        let failed = results.into_iter().find_map(Result::err);
        if failed.is_some() {
            let marks = marks.lock().unwrap_or_else(PoisonError::into_inner);
            self.state().handled.extend(marks.handled_beyond_prefix());
        }
        failed.map_or(Ok(()), Err)
    }

    /// One consumer, partition order, skipping what earlier attempts handled.
    async fn collapsed(&self, ctx: &Context, batch: &Messages) -> Result<(), BoxError> {
        let offsets: Vec<i64> = batch.iter().map(|m| m.offset()).collect();
        let handled: BTreeSet<i64> = self.state().handled.clone();
        let mut marks = VirtualOffsets::new(offsets.clone(), &vec![0; offsets.len()]);
        let mut frontier = None;
        for &offset in offsets.iter().filter(|o| handled.contains(o)) {
            frontier = marks.mark_offset(offset).or(frontier);
        }
        if let Some(frontier) = frontier {
            ctx.mark_offset(frontier);
        }
        let to_run = batch.select(|m| !handled.contains(&m.offset()));
        if to_run.is_empty() {
            return Ok(());
        }
        let marks = Arc::new(Mutex::new(marks));
        let span = share_span(0, &to_run, true);
        let virtual_ctx = ctx.virtual_fork(
            to_run,
            Arc::new(VirtualGroup::new(Arc::clone(&marks), 0, true)),
        );
        let result = self.stacks[0].call(virtual_ctx).instrument(span).await;
        let marks = marks.lock().unwrap_or_else(PoisonError::into_inner);
        let mut state = self.state();
        state.handled.extend(marks.handled_beyond_prefix());
        result
    }
}

/// The span of virtual partition `group`'s share of a batch, a child of the job's span.
fn share_span(group: usize, messages: &Messages, collapsed: bool) -> Span {
    tracing::debug_span!(
        "karafka.virtual_partition",
        virtual_partition = group,
        first_offset = messages.first_offset(),
        last_offset = messages.last_offset(),
        size = messages.len(),
        collapsed,
    )
}
