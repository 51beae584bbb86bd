//! Virtual partitions: key-ordered parallelism inside one partition.
//!
//! A batch is split by the partitioner into virtual partitions, each handled by its own consumer
//! instance, in offset order within each. What they mark goes through a virtual offset manager,
//! which stores only the highest offset below which every message is handled, so a crash never
//! commits past an unhandled message.
//!
//! Streaming: each virtual partition is a lane. A batch's shares line up at the end of their
//! lanes, so when the coordinator starts the partition's next batch while the previous one still
//! runs, a virtual partition done with its share goes on with the next batch instead of waiting
//! for the slowest one. A key whose messages are still lined up or running stays on its lane, so
//! per-key order holds across batches; the virtual offset manager spans every batch running.
//!
//! When a virtual partition fails, the others finish their shares of that batch; shares of later
//! batches do not start ([`Deferred`]). The partition then retries from the lowest unhandled
//! offset *collapsed*: one consumer, partition order, skipping what was handled, until it is past
//! the failed batch. Then parallelism resumes.

mod deferred;
mod group;
mod offsets;
mod settings;

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context as TaskContext, Poll};

use futures_util::future::{join_all, BoxFuture};
use tokio::sync::oneshot;
use tower::Service;
use tracing::{Instrument as _, Span};

pub use deferred::Deferred;
pub use settings::{Distribution, Keyless, VirtualPartitions};

use group::VirtualGroup;
use offsets::{ShareId, VirtualOffsets};
use settings::Unit;

use super::{ConsumerStack, Shared};
use crate::consumer::Stretch;
use crate::{BoxError, Context, Message, Messages};

/// What a partition's virtual partitions remember between jobs.
struct State {
    /// Run collapsed until a batch reaches this offset.
    collapsed_until: Option<i64>,
    /// Offsets handled in failed attempts, not covered by the stored offset yet.
    handled: BTreeSet<i64>,
    /// The marks of the batches of the current stretch.
    marks: Arc<Mutex<VirtualOffsets>>,
    /// The stretch `marks` belong to.
    stretch: Option<Arc<Stretch>>,
    /// One per virtual partition.
    lanes: Vec<Lane>,
    /// The units with messages lined up or running: their lane, and how many messages.
    pinned: HashMap<Unit, (usize, usize)>,
}

/// A virtual partition's line of shares.
#[derive(Default)]
struct Lane {
    /// Resolves once the last share lined up here ended.
    tail: Option<oneshot::Receiver<()>>,
    /// The messages lined up or running here.
    load: usize,
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
        let lanes = stacks.iter().map(|_| Lane::default()).collect();
        Self {
            stacks: stacks.into_iter().map(Shared::new).collect(),
            settings,
            state: Arc::new(Mutex::new(State {
                collapsed_until: None,
                handled: BTreeSet::new(),
                marks: Arc::default(),
                stretch: None,
                lanes,
                pinned: HashMap::new(),
            })),
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

/// One virtual partition's share of a batch, lined up on its lane.
struct Share {
    group: usize,
    batch: u64,
    messages: Messages,
    /// The end of the share lined up before this one on the lane.
    previous: Option<oneshot::Receiver<()>>,
    lined_up: LinedUp,
}

/// Takes a share off its lane when dropped: its load and its units' pins, and lets the next
/// share of the lane start.
struct LinedUp {
    state: Arc<Mutex<State>>,
    group: usize,
    units: Vec<Unit>,
    /// Dropped with this, which ends the wait of the next share on the lane.
    _done: oneshot::Sender<()>,
}

impl Drop for LinedUp {
    fn drop(&mut self) {
        let mut state = lock(&self.state);
        let lane = &mut state.lanes[self.group];
        lane.load = lane.load.saturating_sub(self.units.len());
        for unit in &self.units {
            if let Some((_, left)) = state.pinned.get_mut(unit) {
                *left -= 1;
                if *left == 0 {
                    state.pinned.remove(unit);
                }
            }
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Plain data, consistent whenever the lock is released.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

struct Job {
    stacks: Arc<[Shared<ConsumerStack>]>,
    settings: Arc<VirtualPartitions>,
    state: Arc<Mutex<State>>,
}

impl Job {
    fn state(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }

    async fn run(self, ctx: Context) -> Result<(), BoxError> {
        let batch = ctx.messages().clone();
        let (Some(first), Some(last)) = (batch.first_offset(), batch.last_offset()) else {
            ctx.admit(true);
            return Ok(());
        };
        let lined_up = {
            let mut state = self.state();
            if state.collapsed_until.is_some_and(|until| first <= until) {
                None
            } else if ctx.stretch().is_some_and(|stretch| !stretch.runs(first)) {
                drop(state);
                ctx.admit(false);
                return Err(deferred(&ctx, first));
            } else {
                Some(self.line_up(&mut state, &ctx, &batch))
            }
        };
        match lined_up {
            Some((marks, shares)) => {
                ctx.admit(true);
                self.parallel(&ctx, marks, shares, first, last).await
            }
            None => {
                // Nothing starts beside a collapsed retry: it runs one message after another.
                ctx.admit(false);
                let result = self.collapsed(&ctx, &batch).await;
                let mut state = self.state();
                if result.is_ok() && state.collapsed_until.is_some_and(|until| last >= until) {
                    state.collapsed_until = None;
                    state.handled.clear();
                    state.marks = Arc::default();
                }
                result
            }
        }
    }

    /// Splits `batch` into shares and lines them up on their lanes. Runs under the state's lock,
    /// so batches line up in the order they arrive.
    fn line_up(
        &self,
        state: &mut State,
        ctx: &Context,
        batch: &Messages,
    ) -> (Arc<Mutex<VirtualOffsets>>, Vec<Share>) {
        let same_stretch = match (ctx.stretch(), &state.stretch) {
            (Some(current), Some(known)) => Arc::ptr_eq(current, known),
            _ => false,
        };
        if !same_stretch {
            // A new stretch starts once every batch of the previous one ended: fresh marks, and
            // what a failed one handled beyond its prefix is remembered for the retry.
            if state.collapsed_until.is_some() {
                let earlier: Vec<i64> = lock(&state.marks).handled_beyond_prefix().collect();
                state.handled.extend(earlier);
            }
            state.marks = Arc::default();
            state.stretch = ctx.stretch().cloned();
        }
        let count = self.stacks.len();
        let units = self.settings.units(batch.iter());
        let loads: Vec<usize> = state.lanes.iter().map(|lane| lane.load).collect();
        let pinned = &state.pinned;
        let groups = self.settings.assign(
            &units,
            count,
            |unit| pinned.get(unit).map(|(lane, _)| *lane),
            &loads,
        );
        let offsets: Vec<i64> = batch.iter().map(Message::offset).collect();
        let (number, whole) = {
            let mut marks = lock(&state.marks);
            let number = marks.extend(&offsets, &groups);
            (number, marks.share(&offsets))
        };
        // A dead letter's mark (or a layer's) covers only this batch's messages, and reaches
        // the partition only once the batches before it are handled too.
        let window = Arc::clone(&state.marks);
        ctx.route_marks(|| Arc::new(VirtualGroup::new(window, whole, false)));
        let mut members: Vec<Vec<usize>> = vec![Vec::new(); count];
        for (index, group) in groups.iter().enumerate() {
            members[*group].push(index);
        }
        let mut shares = Vec::new();
        for (group, indices) in members.into_iter().enumerate() {
            if indices.is_empty() {
                continue;
            }
            let share_offsets: Vec<i64> = indices.iter().map(|index| offsets[*index]).collect();
            let share_units: Vec<Unit> = indices.iter().map(|index| units[*index]).collect();
            for unit in &share_units {
                state.pinned.entry(*unit).or_insert((group, 0)).1 += 1;
            }
            let (done, tail) = oneshot::channel();
            let lane = &mut state.lanes[group];
            let previous = lane.tail.replace(tail);
            lane.load += indices.len();
            shares.push(Share {
                group,
                batch: number,
                messages: batch.select(|m| share_offsets.binary_search(&m.offset()).is_ok()),
                previous,
                lined_up: LinedUp {
                    state: Arc::clone(&self.state),
                    group,
                    units: share_units,
                    _done: done,
                },
            });
        }
        (Arc::clone(&state.marks), shares)
    }

    async fn parallel(
        &self,
        ctx: &Context,
        marks: Arc<Mutex<VirtualOffsets>>,
        shares: Vec<Share>,
        first: i64,
        last: i64,
    ) -> Result<(), BoxError> {
        let runs = shares
            .into_iter()
            .map(|share| self.share(ctx, &marks, share, first, last));
        // Every share of the batch finishes, also when another fails.
        let mut deferral = None;
        for result in join_all(runs).await {
            match result {
                Ok(()) => {}
                Err(error) if Deferred::caused(&error) => {
                    deferral = deferral.or(Some(error));
                }
                Err(error) => return Err(error),
            }
        }
        deferral.map_or(Ok(()), Err)
    }

    /// Runs one share once the share before it on its lane ended, unless an earlier batch
    /// failed meanwhile.
    async fn share(
        &self,
        ctx: &Context,
        marks: &Arc<Mutex<VirtualOffsets>>,
        share: Share,
        first: i64,
        last: i64,
    ) -> Result<(), BoxError> {
        let Share {
            group,
            batch,
            messages,
            previous,
            lined_up,
        } = share;
        if let Some(previous) = previous {
            // Ends with an error when the previous share's sender dropped, which is its end.
            let _ = previous.await;
        }
        if ctx.stretch().is_some_and(|stretch| !stretch.runs(first)) {
            return Err(deferred(ctx, first));
        }
        let span = share_span(group, &messages, false);
        let virtual_ctx = ctx.virtual_fork(
            messages,
            Arc::new(VirtualGroup::new(
                Arc::clone(marks),
                ShareId { batch, group },
                false,
            )),
        );
        let result = self.stacks[group].call(virtual_ctx).instrument(span).await;
        if result.is_err() {
            if let Some(stretch) = ctx.stretch() {
                stretch.halt(last);
            }
            let mut state = self.state();
            state.collapsed_until =
                Some(state.collapsed_until.map_or(last, |until| until.max(last)));
        }
        drop(lined_up);
        result
    }

    /// One consumer, partition order, skipping what earlier attempts handled. Its marks go
    /// through the marks of the batches it retries, so they never pass a message of a batch
    /// still running beside it.
    async fn collapsed(&self, ctx: &Context, batch: &Messages) -> Result<(), BoxError> {
        let offsets: Vec<i64> = batch.iter().map(Message::offset).collect();
        let (marks, share, handled, frontier) = {
            let state = self.state();
            let mut marks = lock(&state.marks);
            // What the partition marked (the prefix of the batches before, a dead letter) is
            // handled too.
            let marked = ctx.next_unmarked();
            let handled: BTreeSet<i64> = state
                .handled
                .iter()
                .copied()
                .chain(marks.handled_beyond_prefix())
                .chain(
                    offsets
                        .iter()
                        .copied()
                        .filter(|offset| marked.is_some_and(|next| *offset < next)),
                )
                .collect();
            let share = marks.share(&offsets);
            let mut frontier = None;
            for &offset in offsets.iter().filter(|o| handled.contains(o)) {
                frontier = marks.mark_offset(offset).or(frontier);
            }
            drop(marks);
            (Arc::clone(&state.marks), share, handled, frontier)
        };
        if let Some(frontier) = frontier {
            ctx.mark_offset(frontier);
        }
        let to_run = batch.select(|m| !handled.contains(&m.offset()));
        if to_run.is_empty() {
            return Ok(());
        }
        let span = share_span(0, &to_run, true);
        let virtual_ctx = ctx.virtual_fork(
            to_run,
            Arc::new(VirtualGroup::new(Arc::clone(&marks), share, true)),
        );
        let result = self.stacks[0].call(virtual_ctx).instrument(span).await;
        let beyond: Vec<i64> = lock(&marks).handled_beyond_prefix().collect();
        self.state().handled.extend(beyond);
        result
    }
}

/// The error of a batch from `first` that waited behind a failed one.
fn deferred(ctx: &Context, first: i64) -> BoxError {
    Deferred {
        topic: ctx.topic().to_owned(),
        partition: ctx.partition(),
        first,
    }
    .into()
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
