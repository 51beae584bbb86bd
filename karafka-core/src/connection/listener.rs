//! The listener: one thread per subscription group that polls its librdkafka consumer.
//!
//! Messages travel through per-partition streams; this thread serves everything else on the
//! consumer queue (rebalances, errors), commits the stored offsets every
//! `auto.commit.interval.ms` and keeps the member alive in the group, also while jobs run for
//! long. On close it commits and leaves the group.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rdkafka::consumer::Consumer as _;
use rdkafka::error::KafkaError;
use rdkafka::util::Timeout;
use rdkafka::{ClientConfig, Message as _};

use super::commit::{commit, CommitInterval};
use super::native::member_id;
use super::{
    GiveUp, GroupTimeouts, KafkaConsumer, ListenerContext, NotJoined, Pulse, Reason, Refused,
};
use crate::config::{redact_kafka_error, OAuthHook, Refusal};
use crate::instrumentation::{left_out, recovers_by_itself, repeated, ErrorKind, Event};
use crate::processing::PartitionRegistry;
use crate::TopicPartition;

/// How long one poll of the consumer queue blocks; bounds how late a close request is noticed.
const POLL_INTERVAL: Duration = Duration::from_millis(100);

/// A running listener thread.
pub(crate) struct Listener {
    name: String,
    stop: Arc<AtomicBool>,
    pulse: Arc<Pulse>,
    /// `max.poll.interval.ms` of the consumer.
    max_poll_interval: Duration,
    thread: JoinHandle<()>,
}

impl Listener {
    /// Creates the consumer, subscribes it to `topics` and starts polling on a new thread.
    /// The listener raises `give_up` when the brokers refuse the consumer before it joined its
    /// group (credentials, SASL mechanism, TLS), and, with `join_timeout`, when it has not
    /// joined that long after start. `oauth` answers librdkafka's OAUTHBEARER token refreshes.
    pub(crate) fn start(
        name: String,
        config: &ClientConfig,
        topics: &[String],
        registry: Arc<PartitionRegistry<KafkaConsumer>>,
        join_timeout: Option<Duration>,
        give_up: Arc<GiveUp>,
        oauth: OAuthHook,
    ) -> Result<Self, KafkaError> {
        let pulse = Arc::new(Pulse::new(Instant::now()));
        let context = ListenerContext::new(name.clone(), registry, Arc::clone(&pulse), oauth);
        let consumer: Arc<KafkaConsumer> = Arc::new(
            config
                .create_with_context(context)
                .map_err(|error| redact_kafka_error(error, config))?,
        );
        consumer.context().attach(&consumer);
        let subscription: Vec<&str> = topics.iter().map(String::as_str).collect();
        consumer.subscribe(&subscription)?;
        tracing::info!(group = %name, topics = ?subscription, "subscribed");
        let timeouts = GroupTimeouts::from_config(config);
        let max_poll_interval = timeouts.max_poll_interval;
        let classic = !config
            .get("group.protocol")
            .is_some_and(|protocol| protocol.eq_ignore_ascii_case("consumer"));

        let stop = Arc::new(AtomicBool::new(false));
        let thread = std::thread::Builder::new()
            .name(format!("karafka-listener-{name}"))
            .spawn({
                let stop = Arc::clone(&stop);
                let polling = Polling {
                    name: name.clone(),
                    topics: topics.to_vec(),
                    timeouts,
                    classic,
                    pulse: Arc::clone(&pulse),
                };
                let joining = Some(Joining {
                    limit: join_timeout,
                    started: Instant::now(),
                    servers: config
                        .get("bootstrap.servers")
                        .unwrap_or_default()
                        .to_owned(),
                    config: config.clone(),
                    give_up,
                });
                move || polling.run(consumer, &stop, joining)
            })
            .map_err(|error| KafkaError::ClientCreation(format!("listener thread: {error}")))?;
        Ok(Self {
            name,
            stop,
            pulse,
            max_poll_interval,
            thread,
        })
    }

    /// When it last polled, whether its consumer is in its group, whether it was assigned.
    pub(crate) fn pulse(&self) -> Arc<Pulse> {
        Arc::clone(&self.pulse)
    }

    /// `max.poll.interval.ms` of its consumer: how long it may go without polling.
    pub(crate) fn max_poll_interval(&self) -> Duration {
        self.max_poll_interval
    }

    /// The subscription group's name.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// Asks the thread to commit, leave the group and end; returns the thread to join.
    pub(crate) fn close(self) -> JoinHandle<()> {
        self.stop.store(true, Ordering::Release);
        self.thread
    }
}

/// What the listener thread needs besides the consumer.
struct Polling {
    name: String,
    topics: Vec<String>,
    timeouts: GroupTimeouts,
    /// The classic group protocol (not KIP-848's `consumer`).
    classic: bool,
    pulse: Arc<Pulse>,
}

/// Watches that a consumer joins its group: the brokers must not refuse it, and with
/// `join_timeout` it must join within that long of its start; the listener drops it once the
/// consumer joined.
struct Joining {
    limit: Option<Duration>,
    started: Instant,
    servers: String,
    /// The consumer's settings, whose secret values a refusal's text must not show.
    config: ClientConfig,
    give_up: Arc<GiveUp>,
}

impl Joining {
    /// `true` once there is nothing more to watch: the consumer `joined`, or the listener gave
    /// up (the brokers refused it, or `join_timeout` passed).
    fn settled(&self, name: &str, joined: bool, refusal: Option<&Refusal>) -> bool {
        if joined {
            return true;
        }
        if let Some(refusal) = refusal {
            let refusal = refusal.redacted(&self.config);
            tracing::error!(
                group = name,
                servers = %self.servers,
                "The brokers refused the consumer: {refusal}; giving up"
            );
            self.give_up.raise(Reason::Refused(Refused {
                group: name.to_owned(),
                servers: self.servers.clone(),
                refusal,
            }));
            return true;
        }
        let waited = self.started.elapsed();
        if self.limit.is_none_or(|limit| waited < limit) {
            return false;
        }
        tracing::error!(
            group = name,
            servers = %self.servers,
            waited_ms = waited.as_millis() as u64,
            "Not in the consumer group {} ms after start (join_timeout): giving up",
            waited.as_millis()
        );
        self.give_up.raise(Reason::NotJoined(NotJoined {
            group: name.to_owned(),
            waited,
            servers: self.servers.clone(),
        }));
        true
    }
}

impl Polling {
    fn run(self, consumer: Arc<KafkaConsumer>, stop: &AtomicBool, mut joining: Option<Joining>) {
        let name = self.name.as_str();
        let mut commits = CommitInterval::new(self.timeouts.commit_interval, Instant::now());
        let mut polled = Instant::now();
        while !stop.load(Ordering::Acquire) {
            poll_once(name, &consumer);
            let previous = std::mem::replace(&mut polled, Instant::now());
            self.pulse.polled(polled);
            consumer
                .context()
                .registry()
                .monitor()
                .emit(|| Event::ListenerPolled {
                    group: self.name.clone(),
                    since_previous: polled.duration_since(previous),
                });
            consumer.context().registry().store_offsets();
            if commits.due(Instant::now()) {
                if let Err(error) = commit(&consumer, None) {
                    // The offsets stay stored, so the next commit carries them.
                    tracing::warn!(group = name, %error, "offset commit failed; committing again in {} ms", self.timeouts.commit_interval.as_millis());
                }
            }
            self.watch(&consumer);
            let joined = self.note_membership(&consumer);
            if joining
                .as_ref()
                .is_some_and(|joining| joining.settled(name, joined, consumer.context().refusal()))
            {
                joining = None;
            }
        }
        close(name, consumer, self.classic, self.timeouts.session_timeout);
    }

    /// Records (and logs the changes of) whether the consumer is in its consumer group.
    fn note_membership(&self, consumer: &KafkaConsumer) -> bool {
        let name = self.name.as_str();
        let joined = !member_id(consumer).is_empty();
        if self.pulse.set_joined(joined, Instant::now()) {
            if joined {
                tracing::info!(group = name, "in the consumer group: connected");
            } else {
                tracing::warn!(group = name, "not in the consumer group: not connected");
            }
        }
        joined
    }

    /// Kafka's clients leave their group when the app does not poll within
    /// `max.poll.interval.ms`; here the listener always polls, so it leaves on its own when a job
    /// that is not long-running runs that long (its partitions go to other members, its marks are
    /// refused), and rejoins once the job ended. The context keeps whether the member is out.
    fn watch(&self, consumer: &KafkaConsumer) {
        let name = self.name.as_str();
        let context = consumer.context();
        match (
            context.evicting(),
            context.registry().overdue(self.timeouts.max_poll_interval),
        ) {
            (false, Some(job)) => {
                context.registry().monitor().emit(|| Event::ErrorOccurred {
                    kind: ErrorKind::MaxPollIntervalExceeded,
                    partition: Some(TopicPartition::new(&job.topic, job.partition)),
                    offset: None,
                    error: format!(
                        "{job} ran longer than max.poll.interval.ms ({} ms)",
                        self.timeouts.max_poll_interval.as_millis()
                    ),
                    job: None,
                });
                context.set_evicting(true);
                consumer.unsubscribe();
            }
            (true, None) => {
                let topics: Vec<&str> = self.topics.iter().map(String::as_str).collect();
                match consumer.subscribe(&topics) {
                    Ok(()) => {
                        context.set_evicting(false);
                        tracing::info!(group = name, "the overdue job ended; rejoined the group");
                    }
                    Err(error) => {
                        tracing::error!(group = name, %error, "rejoining the group failed; retrying");
                    }
                }
            }
            _ => {}
        }
    }
}

fn poll_once(name: &str, consumer: &KafkaConsumer) {
    match consumer.poll(POLL_INTERVAL) {
        None => {}
        Some(Ok(message)) => {
            // Every assigned partition's queue is split before fetching starts, so this is
            // not expected; seeking back re-delivers the message through its partition's
            // stream, in order, instead of dropping it.
            tracing::error!(
                group = name,
                topic = message.topic(),
                partition = message.partition(),
                offset = message.offset(),
                "a message arrived on the consumer queue; seeking back to deliver it in order"
            );
            let offset = rdkafka::Offset::Offset(message.offset());
            if let Err(error) =
                consumer.seek(message.topic(), message.partition(), offset, Duration::ZERO)
            {
                tracing::error!(group = name, %error, "seek back failed");
            }
        }
        Some(Err(error)) => {
            let Some(suppressed) = repeated(name, &format!("poll: {error}")) else {
                return;
            };
            let more = left_out(suppressed);
            if recovers_by_itself(&error) {
                tracing::warn!(group = name, %error, "consumer error; librdkafka retries by itself{more}")
            } else {
                tracing::error!(group = name, %error, "consumer error{more}")
            }
        }
    }
}

/// Commits what was stored, leaves the group and closes the consumer.
fn close(name: &str, consumer: Arc<KafkaConsumer>, classic: bool, session_timeout: Duration) {
    let started = Instant::now();
    consumer.context().registry().release();
    if let Err(error) = commit(&consumer, None) {
        tracing::error!(group = name, %error, "final offset commit failed");
    }
    leave(name, &consumer, classic, session_timeout);
    match Arc::try_unwrap(consumer) {
        // Dropping the last handle closes the consumer.
        Ok(consumer) => drop(consumer),
        // A job outlived the shutdown timeout and still holds the consumer; close it anyway,
        // the job's results are no longer stored.
        Err(consumer) => {
            tracing::warn!(
                group = name,
                "jobs still hold the consumer; closing it under them"
            );
            if let Err(error) = consumer.close_queue() {
                tracing::error!(group = name, %error, "closing the consumer failed");
            }
            while !consumer.closed() {
                consumer.poll(Timeout::After(POLL_INTERVAL));
            }
        }
    }
    tracing::info!(
        group = name,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "left the consumer group"
    );
}

/// Leaves the group before closing. librdkafka's close sends no LeaveGroup for a member of a
/// classic group whose cooperative unassignment is empty or still in progress, so the
/// coordinator would keep it until `session.timeout.ms` and stall every rebalance meanwhile.
/// Unsubscribing first revokes what the member owns (through the rebalance callback, served
/// here) and then leaves; librdkafka clears the member id as it sends LeaveGroup. Waiting longer
/// than `session.timeout.ms` is pointless: the coordinator drops the member by then. KIP-848
/// members leave through their close's final heartbeat.
fn leave(name: &str, consumer: &KafkaConsumer, classic: bool, session_timeout: Duration) {
    if !classic {
        return;
    }
    consumer.unsubscribe();
    let started = Instant::now();
    while !member_id(consumer).is_empty() {
        if started.elapsed() > session_timeout {
            tracing::warn!(
                group = name,
                "still a member {} ms after unsubscribing; closing anyway",
                session_timeout.as_millis()
            );
            return;
        }
        poll_once(name, consumer);
    }
}
