// Every form of the DSL, and that it builds the same app as the builder API.

#[path = "../consumers.rs"]
mod consumers;
#[path = "../formats.rs"]
mod formats;

use std::sync::Arc;
use std::time::Duration;

use consumers::{EventsConsumer, OrdersConsumer};
use formats::{HeaderNames, Text};
use karafka::messages::Deserializers;
use karafka::recurring_tasks::{RecurringTasks, Task};
use karafka::middleware::{layer_fn, DeadLetterQueue, Verdict, VirtualPartitions};
use karafka::routes;
use karafka::routing::{ConsumerGroup, Multiplexing, Routes, SubscriptionGroup, Topic, TopicConfig};

/// Runs every action as it is.
struct Plain;

impl karafka::consumer::Wrap for Plain {
    fn wrap<'a>(
        &'a self,
        _action: karafka::consumer::Action,
        _partition: &'a karafka::TopicPartition,
        run: futures_util::future::BoxFuture<'a, Result<(), karafka::BoxError>>,
    ) -> futures_util::future::BoxFuture<'a, Result<(), karafka::BoxError>> {
        run
    }
}

/// A handle a consumer needs, such as a database pool.
#[derive(Clone)]
struct Pool {
    url: Arc<String>,
}

struct PooledConsumer {
    pool: Pool,
}

#[karafka::async_trait]
impl karafka::Consumer for PooledConsumer {
    async fn consume(&mut self, _: &mut karafka::Context) -> anyhow::Result<()> {
        let _url: &str = &self.pool.url;
        Ok(())
    }
}

fn every_form(prefix: &str, pool: Pool) -> Routes {
    routes! {
        defaults {
            max_messages: 50,
            kafka: { "fetch.max.bytes": 1048576 },
            deserializers: { key: Text },
        }
        topic "example" => OrdersConsumer,
        topic "orders" {
            consumer: OrdersConsumer,
            max_messages: 10,
            max_wait_time: 500,
            initial_offset: latest,
            active: true,
            manual_offset_management: false,
            kafka: { "fetch.wait.max.ms": 100 },
            subscription_group: "orders",
            deserializer: Text,
            layer: tower::layer::util::Identity::new(),
            config: { partitions: 6, replication_factor: 1, "cleanup.policy": "compact" },
            dead_letter_queue: { topic: "orders_dlq", max_retries: 3, independent: true },
            virtual_partitions: { partitioner: |m: &karafka::Message| m.key().map(<[u8]>::to_vec), max_partitions: 10, streaming: false },
            long_running_job: false,
        }
        topic "skipped" {
            consumer: OrdersConsumer,
            max_wait_time: Duration::from_secs(2),
            initial_offset: "earliest",
            dead_letter_queue: { topic: false },
            expire_in: 60000,
            delay_by: Duration::from_secs(5),
            throttle: { limit: 100, interval: 1000 },
            deserializers: { payload: Text, key: Text, headers: HeaderNames },
            filter: |m: &karafka::Message| if m.key().is_some() { Verdict::Keep } else { Verdict::Drop },
        };
        topic "windows" {
            consumer: EventsConsumer,
            periodic: { interval: 100, during_pause: true, during_retry: false },
            eofed: true,
            pause: { timeout: 100, max_timeout: 1000, with_exponential_backoff: true },
            wrap: Plain,
            critical_errors: [std::io::Error, std::fmt::Error],
        }
        topic "ticks" { consumer: EventsConsumer, periodic: true, pause: karafka::routing::Pausing::new() }
        subscription_group "slow" {
            multiplexing: { connections: 2 },
            topic "audit" => EventsConsumer,
        }
        topic (format!("{prefix}.payments")) {
            consumer_with: move || PooledConsumer { pool: pool.clone() },
            virtual_partitions: VirtualPartitions::by_key().max_partitions(4),
            dead_letter_queue: DeadLetterQueue::new(format!("{prefix}.payments_dlq")),
            deserializers: Deserializers::new().headers(HeaderNames),
            layer: layer_fn(|ctx, next| async move { next.run(ctx).await }),
        }
        topic (format!("{prefix}.payments_dlq")) { active: false, config: { partitions: 1 } }
        declare "outbox" {
            partitions: 6,
            replication_factor: 1,
            active: true,
            config: { "retention.ms": 604800000, "cleanup.policy": "delete" },
        }
        declare (format!("{prefix}.audit_log"));
        declare "theirs" { active: false }
        subscription_group (format!("{prefix}.fast")) {
            topic ("inner") => EventsConsumer,
        }
        recurring_tasks {
            group_id: (prefix.to_owned() + ".tasks"),
            topic: "tasks_schedules",
            interval: 1000,
            version: "1.2.0",
            task "cleanup" {
                cron: "*/5 * * * *",
                run: |run| async move {
                    let _ = (run.name, run.occurrence, run.producer);
                    Ok(())
                },
            }
            task (prefix.to_owned() + "-report") {
                cron: "*/10 * * * * *",
                enabled: false,
                previous_time: std::time::SystemTime::UNIX_EPOCH,
            }
        }
        consumer_group (prefix.to_owned() + ".analytics") {
            topic "events" => EventsConsumer,
            pattern(r"logs\..*") { consumer: EventsConsumer }
            subscription_group "batch" {
                pattern(r"metrics\..*") => EventsConsumer,
                multiplexing: karafka::routing::Multiplexing::new().connections(3)
            }
        }
    }
}

fn the_builder_api() -> Routes {
    Routes::new()
        .topic(Topic::new("example").consumer::<OrdersConsumer>())
        .topic(
            Topic::new("orders")
                .consumer::<OrdersConsumer>()
                .config(TopicConfig::new().partitions(6).setting("cleanup.policy", "compact"))
                .dead_letter_queue(DeadLetterQueue::new("orders_dlq"))
                .virtual_partitions(VirtualPartitions::new(|m| m.key().map(<[u8]>::to_vec)))
                .deserializers(Deserializers::new().payload(Text).key(Text).headers(HeaderNames)),
        )
        .subscription_group(
            SubscriptionGroup::new("slow")
                .multiplexing(Multiplexing::new().connections(2))
                .topic(Topic::new("audit").consumer::<EventsConsumer>()),
        )
        .consumer_group(ConsumerGroup::new("analytics").topic(Topic::pattern(r"logs\..*").consumer::<EventsConsumer>()))
        .declare("outbox", TopicConfig::new().partitions(6).setting("retention.ms", 604_800_000))
        .recurring_tasks(
            RecurringTasks::new()
                .interval(Duration::from_secs(1))
                .task(Task::new("cleanup").cron("*/5 * * * *").run(|_| async { Ok(()) })),
        )
}

fn main() {
    let _ = (every_form("staging", Pool { url: Arc::new("db".into()) }), the_builder_api());
}
