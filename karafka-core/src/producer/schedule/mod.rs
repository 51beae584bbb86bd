//! Scheduling messages from app code (Karafka Pro's scheduled messages): [`Producer::schedule`]
//! writes an envelope of the record onto the schedules topic, where the built-in consumer
//! ([`crate::scheduled_messages`]) keeps it and dispatches the record at its time;
//! [`Producer::cancel`] withdraws it.

pub(crate) mod envelope;
mod error;
mod id;
mod time;

use std::sync::Arc;
use std::time::SystemTime;

pub use error::ScheduleError;
pub use id::ScheduleId;
pub use time::PAST_TOLERANCE;

use super::backend::Backend;
use super::{Producer, Record};

impl Producer {
    /// Schedules onto `topic`: what [`Producer::schedule`] and [`Producer::cancel`] write to.
    /// The app's producer takes the first topic its routes declare with
    /// [`Routes::scheduled_messages`](crate::routing::Routes::scheduled_messages); set it here
    /// for a producer made with [`Producer::new`], or to choose another.
    pub fn scheduled_messages_topic(mut self, topic: impl Into<String>) -> Self {
        self.schedules = Some(Arc::from(topic.into()));
        self
    }

    /// Schedules `record` to be produced at `at` and returns its id (the key of its envelope),
    /// for [`Producer::cancel`]. The envelope is on the schedules topic once this returns (the
    /// broker acknowledged it), so the schedule survives any restart; the built-in consumer
    /// dispatches the record once, within about a second after `at` (see
    /// [`crate::scheduled_messages`]). A time up to [`PAST_TOLERANCE`] in the past is
    /// dispatched at once. On a transactional producer the envelope joins the transaction the
    /// current task runs in, else it is produced in one of its own.
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    ///
    /// use karafka::producer::{Record, ScheduleError};
    /// use karafka::Producer;
    ///
    /// # async fn remind(producer: &Producer) -> Result<(), ScheduleError> {
    /// let reminder = Record::new("reminders", r#"{"cart":7}"#).key("customer-7");
    /// let at = SystemTime::now() + Duration::from_secs(3600);
    /// let id = producer.schedule(reminder, at).await?;
    /// // The customer checked out meanwhile:
    /// producer.cancel(&id).await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`ScheduleError`] naming what is wrong: no schedules topic known, a record without a
    /// topic or payload, for the schedules topic itself, or with a reserved header
    /// (`schedule_target_*`, ...), a time beyond the tolerance in the past or over 100 years
    /// ahead; [`ScheduleError::Produce`] when the envelope was not acknowledged.
    pub async fn schedule(
        &self,
        record: Record,
        at: SystemTime,
    ) -> Result<ScheduleId, ScheduleError> {
        let schedules = self.schedules_topic()?;
        check_target(&record, schedules)?;
        let at_ms = time::check(&record.topic, at, self.now())?;
        let id = ScheduleId::generate(&record.topic);
        self.produce_sync(envelope::schedule(schedules, &id, record, at_ms))
            .await?;
        Ok(id)
    }

    /// Cancels the scheduled message `id` (Karafka's cancel message): once the broker
    /// acknowledged this, the built-in consumer will not dispatch it. A message already
    /// dispatched stays dispatched; an unknown id is ignored.
    ///
    /// # Errors
    /// [`ScheduleError::NoSchedulesTopic`], or [`ScheduleError::Produce`] when the cancel was not
    /// acknowledged.
    pub async fn cancel(&self, id: &ScheduleId) -> Result<(), ScheduleError> {
        let schedules = self.schedules_topic()?;
        self.produce_sync(envelope::cancel(schedules, id)).await?;
        Ok(())
    }

    fn schedules_topic(&self) -> Result<&str, ScheduleError> {
        self.schedules
            .as_deref()
            .ok_or(ScheduleError::NoSchedulesTopic)
    }

    /// The wall clock: the system's, or a test's virtual one.
    fn now(&self) -> SystemTime {
        match &self.inner {
            Backend::Kafka(_) | Backend::Transactional(_) => SystemTime::now(),
            Backend::Memory(cluster) => cluster.clock().now(),
        }
    }
}

/// Whether `record` can travel in an envelope on `schedules`.
fn check_target(record: &Record, schedules: &str) -> Result<(), ScheduleError> {
    let topic = || record.topic.clone();
    if record.topic.is_empty() {
        return Err(ScheduleError::MissingTopic);
    }
    if record.topic == schedules {
        return Err(ScheduleError::TargetIsSchedulesTopic { topic: topic() });
    }
    if record.payload.is_none() {
        return Err(ScheduleError::NullPayload { topic: topic() });
    }
    if let Some((name, _)) = record
        .headers
        .iter()
        .find(|(name, _)| envelope::header::RESERVED.contains(&name.as_str()))
    {
        return Err(ScheduleError::ReservedHeader {
            topic: topic(),
            header: name.clone(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_target_must_name_a_topic_carry_a_payload_and_leave_reserved_headers_alone() {
        let refused = |record: &Record| {
            check_target(record, "schedules")
                .err()
                .map(|e| e.to_string())
        };
        assert_eq!(refused(&Record::new("orders", "{}")), None);
        assert_eq!(
            refused(&Record::new("", "{}")),
            Some("the record to schedule names no topic".into())
        );
        assert_eq!(
            refused(&Record::new("schedules", "{}")),
            Some("the record to schedule targets the schedules topic `schedules` itself".into())
        );
        assert!(refused(&Record::tombstone("orders", "k"))
            .is_some_and(|e| e.contains("`orders` has a null payload")));
        assert_eq!(
            refused(&Record::new("orders", "{}").header("schedule_target_topic", "x")),
            Some(
                "the record for `orders` carries the header `schedule_target_topic`, which \
                 scheduling reserves"
                    .into()
            )
        );
    }
}
