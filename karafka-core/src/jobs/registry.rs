//! The job types one route performs, looked up by name.

use super::envelope::Envelope;
use super::job::Performable;
use super::{Job, JobError};
use crate::Message;

/// Deserializes a job type's arguments into a job ready to run.
type Decode = fn(serde_json::Value) -> Result<Box<dyn Performable>, serde_json::Error>;

fn decode<J: Job>(arguments: serde_json::Value) -> Result<Box<dyn Performable>, serde_json::Error> {
    Ok(Box::new(serde_json::from_value::<J>(arguments)?))
}

/// The job types a jobs route registers, in the order given.
#[derive(Clone, Default)]
pub(crate) struct JobRegistry {
    types: Vec<(&'static str, Decode)>,
}

impl JobRegistry {
    /// Adds `J`, under [`Job::name`].
    pub(crate) fn register<J: Job>(&mut self) {
        self.types.push((J::name(), decode::<J>));
    }

    /// Adds a type named `name` whose arguments never decode, for tests of names alone.
    #[cfg(test)]
    pub(crate) fn register_named(&mut self, name: &'static str) {
        self.types.push((name, |_| {
            Err(serde::de::Error::custom("a name registered without a type"))
        }));
    }

    /// The registered names, in the order given.
    pub(crate) fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.types.iter().map(|(name, _)| *name)
    }

    /// A name registered twice, if any: the envelope could not tell the two apart.
    pub(crate) fn duplicate(&self) -> Option<&'static str> {
        self.names()
            .enumerate()
            .find(|(at, name)| self.names().take(*at).any(|earlier| earlier == *name))
            .map(|(_, name)| name)
    }

    /// The registered names, comma-separated.
    pub(crate) fn describe(&self) -> String {
        self.names().collect::<Vec<_>>().join(", ")
    }

    /// The envelope in `message` and its job, ready to run.
    ///
    /// # Errors
    /// [`JobError`] naming the message and what is wrong: not an envelope, an unknown type, or
    /// arguments the type does not accept.
    pub(crate) fn prepare(
        &self,
        message: &Message,
    ) -> Result<(Envelope, Box<dyn Performable>), JobError> {
        let envelope =
            Envelope::decode(message.raw_payload()).map_err(|reason| JobError::Envelope {
                topic: message.topic().to_owned(),
                partition: message.partition(),
                offset: message.offset(),
                reason,
            })?;
        let Some((_, decode)) = self
            .types
            .iter()
            .find(|(name, _)| *name == envelope.job_type())
        else {
            return Err(JobError::UnknownType {
                topic: message.topic().to_owned(),
                partition: message.partition(),
                offset: message.offset(),
                job: envelope.job_type().to_owned(),
                known: self.describe(),
            });
        };
        let job = decode(envelope.arguments().clone()).map_err(|error| JobError::Arguments {
            topic: message.topic().to_owned(),
            partition: message.partition(),
            offset: message.offset(),
            job: envelope.job_type().to_owned(),
            reason: error.to_string(),
        })?;
        Ok((envelope, job))
    }
}

#[cfg(test)]
mod tests {
    use std::time::SystemTime;

    use async_trait::async_trait;
    use serde::{Deserialize, Serialize};

    use super::*;
    use crate::jobs::JobContext;

    #[derive(Serialize, Deserialize)]
    struct SendEmail {
        to: String,
    }

    #[async_trait]
    impl Job for SendEmail {
        async fn perform(&self, _: &mut JobContext<'_>) -> anyhow::Result<()> {
            Ok(())
        }
    }

    #[derive(Serialize, Deserialize)]
    struct Renamed;

    #[async_trait]
    impl Job for Renamed {
        fn name() -> &'static str {
            "SendEmail"
        }

        async fn perform(&self, _: &mut JobContext<'_>) -> anyhow::Result<()> {
            Ok(())
        }
    }

    fn message(payload: &[u8]) -> Message {
        Message::new("jobs", 2, 7, Some(payload.to_vec()))
    }

    fn registry() -> JobRegistry {
        let mut registry = JobRegistry::default();
        registry.register::<SendEmail>();
        registry
    }

    #[test]
    fn a_registered_type_is_found_by_its_name_and_its_arguments_decode() {
        let envelope = Envelope::of(
            &SendEmail { to: "ada".into() },
            "1".into(),
            SystemTime::now(),
        )
        .unwrap();
        let (decoded, _) = registry().prepare(&message(&envelope.encode())).unwrap();
        assert_eq!(decoded.job_type(), "SendEmail");
        assert_eq!(decoded, envelope);
    }

    #[test]
    fn unknown_types_bad_arguments_and_bad_envelopes_name_the_message_and_the_reason() {
        let unknown = serde_json::json!({
            "version": 1, "type": "Nope", "id": "1", "arguments": {},
            "enqueued_at": "2026-01-01T00:00:00.000Z", "attempt": 1,
        });
        let error = registry()
            .prepare(&message(unknown.to_string().as_bytes()))
            .err()
            .unwrap();
        assert_eq!(
            error.to_string(),
            "jobs/2 at offset 7: unknown job type `Nope` (this route performs: SendEmail)"
        );
        let mut bad_arguments = unknown;
        bad_arguments["type"] = "SendEmail".into();
        let error = registry()
            .prepare(&message(bad_arguments.to_string().as_bytes()))
            .err()
            .unwrap();
        assert!(
            error.to_string().starts_with(
                "jobs/2 at offset 7: the arguments of job `SendEmail` do not decode: missing field `to`"
            ),
            "{error}"
        );
        let error = registry().prepare(&message(b"{oops")).err().unwrap();
        assert!(
            error
                .to_string()
                .starts_with("jobs/2 at offset 7: the payload is not a job envelope"),
            "{error}"
        );
    }

    #[test]
    fn the_default_name_is_the_type_name_and_a_name_given_twice_is_found() {
        let mut registry = registry();
        assert_eq!(registry.duplicate(), None);
        registry.register::<Renamed>();
        assert_eq!(registry.duplicate(), Some("SendEmail"));
    }
}
