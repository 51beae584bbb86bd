//! Carrying out the commands addressed to this process and answering them.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use karafka::admin::Admin;
use karafka::plugin::Control;
use karafka::{Producer, Record, TopicPartition};
use rdkafka::consumer::{BaseConsumer, Consumer as _};
use rdkafka::message::Message as _;
use rdkafka::{Offset, TopicPartitionList};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::{now_millis, Answer, Command, CommandRecord, Envelope};
use crate::report::{decode, Decoded, SCHEMA};
use crate::WebError;

/// How long one poll of the commands topic blocks, and so how soon the reader sees a stop.
const POLL: Duration = Duration::from_millis(100);

/// Reads the commands topic from its end (as it was when the process started) and carries out
/// the commands addressed to this process.
pub(crate) struct CommandHandler {
    stop: Arc<AtomicBool>,
    reader: JoinHandle<()>,
    executor: JoinHandle<()>,
}

impl CommandHandler {
    /// Starts reading every partition of `topic` from its current end: once this returned, every
    /// command sent is seen.
    ///
    /// # Errors
    /// [`WebError::Admin`] when the topic's partitions or ends cannot be read (the topic is
    /// missing: `topics migrate` or `web install` creates it).
    pub(crate) async fn start(
        admin: &Admin,
        control: Control,
        producer: Producer,
        topic: &str,
        process_id: String,
    ) -> Result<Self, WebError> {
        let partitions = admin.partition_count(topic).await?;
        let mut assignment = TopicPartitionList::new();
        for partition in 0..partitions {
            let (_, end) = admin.watermarks(topic, partition).await?;
            assignment
                .add_partition_offset(topic, partition, Offset::Offset(end))
                .map_err(|source| WebError::Kafka {
                    what: "assigning the commands topic",
                    source,
                })?;
        }
        let reader = admin.reader()?;
        reader
            .assign(&assignment)
            .map_err(|source| WebError::Kafka {
                what: "assigning the commands topic",
                source,
            })?;
        let stop = Arc::new(AtomicBool::new(false));
        let (sender, commands) = mpsc::unbounded_channel();
        let reader = tokio::task::spawn_blocking({
            let stop = Arc::clone(&stop);
            let process_id = process_id.clone();
            move || read(&reader, &stop, &process_id, &sender)
        });
        let executor = tokio::spawn(execute(
            commands,
            control,
            producer,
            topic.to_owned(),
            process_id,
        ));
        Ok(Self {
            stop,
            reader,
            executor,
        })
    }

    /// Stops reading; answers of commands already read are written first.
    pub(crate) async fn stop(self) {
        self.stop.store(true, Ordering::Relaxed);
        // Both only end; a panic in either was already reported by the runtime.
        let _ = self.reader.await;
        let _ = self.executor.await;
    }
}

/// Polls until `stop`, handing the commands for `process_id` to `sender`.
fn read(
    reader: &BaseConsumer,
    stop: &AtomicBool,
    process_id: &str,
    sender: &mpsc::UnboundedSender<CommandRecord>,
) {
    // A closed channel means the executor is gone (the runtime shut down): stop too.
    while !stop.load(Ordering::Relaxed) && !sender.is_closed() {
        let Some(polled) = reader.poll(POLL) else {
            continue;
        };
        let message = match polled {
            Ok(message) => message,
            Err(error) => {
                tracing::warn!(%error, "reading the commands topic failed; retrying");
                continue;
            }
        };
        let Some(payload) = message.payload() else {
            continue;
        };
        match decode::<Envelope>(payload) {
            Ok(Decoded::Current(Envelope::Command(record))) if record.process_id == process_id => {
                // The executor only stops after this loop; a send cannot fail before.
                let _ = sender.send(record);
            }
            Ok(_) => {}
            Err(error) => tracing::warn!(
                topic = message.topic(),
                partition = message.partition(),
                offset = message.offset(),
                %error,
                "skipping a record of the commands topic"
            ),
        }
    }
}

/// Carries out each command and writes its answer.
async fn execute(
    mut commands: mpsc::UnboundedReceiver<CommandRecord>,
    control: Control,
    producer: Producer,
    topic: String,
    process_id: String,
) {
    while let Some(record) = commands.recv().await {
        let outcome = carry_out(&control, &record.command);
        match &outcome {
            Ok(detail) => tracing::info!("Command {}: {detail}", record.id),
            Err(detail) => tracing::warn!("Command {} refused: {detail}", record.id),
        }
        let answer = Envelope::Answer(Answer {
            schema: SCHEMA,
            command_id: record.id,
            process_id: process_id.clone(),
            answered_at: now_millis(),
            ok: outcome.is_ok(),
            detail: outcome.unwrap_or_else(|refused| refused),
        });
        let sent = match serde_json::to_vec(&answer) {
            Ok(payload) => producer
                .produce_sync(Record::new(&topic, payload).key(process_id.as_bytes().to_vec()))
                .await
                .map(|_| ())
                .map_err(|error| error.to_string()),
            Err(error) => Err(error.to_string()),
        };
        if let Err(error) = sent {
            tracing::error!(%error, "the answer to a command was not written to {topic}");
        }
    }
}

/// Carries out `command`: what was done, or why not.
fn carry_out(control: &Control, command: &Command) -> Result<String, String> {
    match command {
        Command::Pause { topic, partition } => {
            let partition = TopicPartition::new(topic, *partition);
            control
                .pause(&partition)
                .map(|()| format!("pausing {partition} after its running job, until resumed"))
                .map_err(|error| error.to_string())
        }
        Command::Resume { topic, partition } => {
            let partition = TopicPartition::new(topic, *partition);
            control
                .resume(&partition)
                .map(|()| format!("resuming {partition}"))
                .map_err(|error| error.to_string())
        }
        Command::Quiet => {
            control.quiet();
            Ok("quiet: running jobs finish, no new job starts".to_owned())
        }
        Command::Stop => {
            control.stop();
            Ok("stopping gracefully".to_owned())
        }
    }
}
