//! The built-in consumer of a schedules topic.

use std::time::UNIX_EPOCH;

use async_trait::async_trait;

use crate::producer::envelope::Envelope;
use crate::{Consumer, Context};

use super::dispatcher::{dispatch_and_tombstone, Source};
use super::schedule::Schedule;
use super::state::State;

/// Keeps the schedule of one partition of the schedules topic and dispatches each message at
/// its time (Karafka's `ScheduledMessages::Consumer`). Routed by
/// [`Routes::scheduled_messages`](crate::routing::Routes::scheduled_messages), which reads
/// each partition from its beginning on every assignment (the group commits nothing): the
/// schedule is rebuilt from the envelopes, cancels and tombstones there, and once the partition
/// was read to its end ([`Consumer::eofed`]), what is due is dispatched, then on every batch and
/// periodic tick.
#[derive(Default)]
pub struct ScheduledMessagesConsumer {
    schedule: Schedule,
    state: State,
}

impl ScheduledMessagesConsumer {
    /// Produces every message due now, in time order, each with its tombstone. A message whose
    /// dispatch fails stays due (tried again on the next batch or tick) and does not hold back
    /// the others; the first failure is returned, to be reported.
    async fn dispatch_due(&mut self, ctx: &Context) -> anyhow::Result<()> {
        if self.state != State::Loaded {
            return Ok(());
        }
        let now_ms = ctx.now().duration_since(UNIX_EPOCH).map_or(0, |since| {
            i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
        });
        let source = Source {
            topic: ctx.topic(),
            partition: ctx.partition(),
        };
        let mut first_failure = None;
        for id in self.schedule.due(now_ms) {
            let Some(pending) = self.schedule.get(&id) else {
                continue;
            };
            match dispatch_and_tombstone(ctx.producer(), source, &id, pending).await {
                Ok(delivery) => {
                    tracing::debug!(
                        %id,
                        topic = delivery.topic,
                        partition = delivery.partition,
                        offset = delivery.offset,
                        late_ms = now_ms - pending.at_ms,
                        "scheduled message dispatched"
                    );
                    self.schedule.remove(&id);
                }
                Err(error) => {
                    tracing::warn!(
                        %id,
                        topic = pending.target.topic(),
                        "scheduled message not dispatched, it stays due: {error}"
                    );
                    first_failure.get_or_insert(error);
                }
            }
        }
        match first_failure {
            Some(error) => Err(error.into()),
            None => Ok(()),
        }
    }
}

#[async_trait]
impl Consumer for ScheduledMessagesConsumer {
    async fn consume(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        for message in ctx.messages() {
            match Envelope::decode(message) {
                Ok(envelope) => self.schedule.apply(message.offset(), envelope),
                // Not ours to dispatch: a record someone else wrote to the topic.
                Err(error) => tracing::warn!(
                    topic = message.topic(),
                    partition = message.partition(),
                    offset = message.offset(),
                    "skipping a record of the schedules topic: {error}"
                ),
            }
        }
        self.dispatch_due(ctx).await
    }

    async fn eofed(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        if self.state != State::Loaded {
            self.state = State::Loaded;
            tracing::info!(
                topic = ctx.topic(),
                partition = ctx.partition(),
                pending = self.schedule.len(),
                "scheduled messages loaded"
            );
        }
        self.dispatch_due(ctx).await
    }

    async fn tick(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        self.dispatch_due(ctx).await
    }
}
