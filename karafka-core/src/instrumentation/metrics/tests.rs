//! The metrics, fed events and read back from their exposition.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use proptest::prelude::*;

use super::labels::error_kind;
use super::Metrics;
use crate::instrumentation::statistics::{PartitionStatistics, Statistics};
use crate::instrumentation::{Batch, ErrorKind, Event, Listener};
use crate::TopicPartition;

/// One sample line of an exposition: `name{labels} value`.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Sample {
    pub(super) name: String,
    pub(super) labels: BTreeMap<String, String>,
    pub(super) value: f64,
}

impl Sample {
    fn label(&self, key: &str) -> Option<&str> {
        self.labels.get(key).map(String::as_str)
    }
}

/// The samples of an OpenMetrics text exposition (comment lines skipped). Enough of the format
/// for what the encoder writes here: label values without quotes or newlines of their own.
pub(super) fn samples(text: &str) -> Vec<Sample> {
    text.lines()
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| {
            let (series, value) = line.rsplit_once(' ').expect("a sample has a value");
            let value = value.parse().expect("a sample's value is a number");
            let (name, labels) = match series.split_once('{') {
                None => (series, BTreeMap::new()),
                Some((name, labels)) => {
                    let labels = labels.strip_suffix('}').expect("labels end with }");
                    let labels = labels
                        .split("\",")
                        .filter(|pair| !pair.is_empty())
                        .map(|pair| {
                            let (key, value) = pair.split_once("=\"").expect("key=\"value\"");
                            (key.to_owned(), value.trim_end_matches('"').to_owned())
                        })
                        .collect();
                    (name, labels)
                }
            };
            Sample {
                name: name.to_owned(),
                labels,
                value,
            }
        })
        .collect()
}

/// The value of the sample `name` with exactly `labels`, if the exposition has it.
fn value(metrics: &Metrics, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let labels: BTreeMap<String, String> = labels
        .iter()
        .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
        .collect();
    samples(&metrics.render())
        .into_iter()
        .find(|sample| sample.name == name && sample.labels == labels)
        .map(|sample| sample.value)
}

const GROUP: &str = "shop/default";

fn partition(topic: &str, partition: i32) -> TopicPartition {
    TopicPartition::new(topic, partition)
}

fn assigned(group: &str, partitions: &[TopicPartition]) -> Event {
    Event::PartitionsAssigned {
        group: group.to_owned(),
        partitions: partitions.to_vec(),
    }
}

fn revoked(group: &str, partitions: &[TopicPartition]) -> Event {
    Event::PartitionsRevoked {
        group: group.to_owned(),
        partitions: partitions.to_vec(),
    }
}

fn lost(group: &str, partitions: &[TopicPartition]) -> Event {
    Event::PartitionsLost {
        group: group.to_owned(),
        partitions: partitions.to_vec(),
    }
}

fn consumed(group: &str, partition: &TopicPartition, size: usize, latency: Option<u64>) -> Event {
    Event::Consumed {
        batch: Batch {
            group: group.to_owned(),
            consumer: "TestConsumer",
            partition: partition.clone(),
            first_offset: 0,
            last_offset: size as i64 - 1,
            size,
            attempt: 1,
        },
        duration: Duration::from_millis(20),
        latency: latency.map(Duration::from_millis),
    }
}

fn paused(partition: &TopicPartition) -> Event {
    Event::Paused {
        partition: partition.clone(),
        offset: 0,
        timeout: Duration::from_secs(1),
        manual: false,
    }
}

fn retry(partition: &TopicPartition) -> Event {
    Event::Retry {
        partition: partition.clone(),
        offset: 0,
        attempt: 2,
        backoff: Duration::from_secs(1),
    }
}

fn dispatched(source: &TopicPartition) -> Event {
    Event::DeadLetterDispatched {
        source: source.clone(),
        offset: 0,
        topic: "dlq".to_owned(),
        dead_letter_partition: 0,
        dead_letter_offset: 0,
        attempts: 3,
        reason: "boom".to_owned(),
    }
}

fn committed(group: &str, partition: &TopicPartition) -> Event {
    Event::CommitAcknowledged {
        group: group.to_owned(),
        partition: partition.clone(),
        offset: 1,
    }
}

fn error(kind: ErrorKind, partition: Option<&TopicPartition>) -> Event {
    Event::ErrorOccurred {
        kind,
        partition: partition.cloned(),
        offset: None,
        error: "boom".to_owned(),
        job: None,
    }
}

/// A statistics report of `group`: each partition, whether librdkafka has it assigned, its lag.
fn statistics(group: &str, partitions: &[(TopicPartition, bool, Option<i64>)]) -> Event {
    Event::StatisticsEmitted {
        group: group.to_owned(),
        statistics: Arc::new(Statistics {
            client: "test#consumer-1".to_owned(),
            written_at: 0,
            partitions: partitions
                .iter()
                .map(|(partition, assigned, lag)| PartitionStatistics {
                    partition: partition.clone(),
                    assigned: *assigned,
                    fetch_state: "active".to_owned(),
                    consumer_lag: *lag,
                    consumer_lag_stored: *lag,
                    stored_offset: None,
                    committed_offset: None,
                    high_watermark: None,
                    low_watermark: None,
                    last_stable_offset: None,
                    fetch_queue_messages: 0,
                })
                .collect(),
            brokers: Vec::new(),
            group: None,
        }),
    }
}

fn feed(metrics: &Metrics, events: &[Event]) {
    for event in events {
        metrics.on_event(event);
    }
}

/// The labels of a partition series of [`GROUP`].
fn of(topic: &'static str, partition: &'static str) -> [(&'static str, &'static str); 3] {
    [("group", GROUP), ("topic", topic), ("partition", partition)]
}

/// Metrics fed events that make a series in every family, for [`GROUP`] on `orders/0`.
pub(super) fn every_series() -> Metrics {
    let metrics = Metrics::new();
    let orders = partition("orders", 0);
    feed(
        &metrics,
        &[
            assigned(GROUP, &[orders.clone(), partition("orders", 1)]),
            revoked(GROUP, &[partition("orders", 1)]),
            assigned(GROUP, &[partition("orders", 2)]),
            lost(GROUP, &[partition("orders", 2)]),
            consumed(GROUP, &orders, 3, Some(150)),
            paused(&orders),
            retry(&orders),
            dispatched(&orders),
            committed(GROUP, &orders),
            error(ErrorKind::Consume, Some(&orders)),
            statistics(GROUP, &[(orders.clone(), true, Some(42))]),
        ],
    );
    metrics.set_running_jobs(GROUP, 2);
    metrics.set_poll_age(GROUP, Duration::from_millis(1500));
    metrics
}

#[test]
fn metrics_are_shared_across_threads() {
    fn shared<T: Send + Sync + 'static>() {}
    shared::<Metrics>();
}

#[test]
fn the_exposition_is_openmetrics_text_ending_with_eof() {
    let text = every_series().render();
    assert!(text.ends_with("# EOF\n"), "{text}");
    assert!(text.contains("# TYPE karafka_messages_consumed counter\n"));
    assert!(text.contains("# TYPE karafka_consume_duration_seconds histogram\n"));
    assert!(text.contains("# UNIT karafka_consume_duration_seconds seconds\n"));
    assert!(text.contains("# TYPE karafka_poll_age_seconds gauge\n"));
    assert_eq!(Metrics::default().render(), Metrics::new().render());
}

#[test]
fn an_assigned_partition_has_its_series_from_zero() {
    let metrics = Metrics::new();
    feed(
        &metrics,
        &[assigned(
            GROUP,
            &[partition("orders", 0), partition("orders", 1)],
        )],
    );
    for name in [
        "karafka_messages_consumed_total",
        "karafka_batches_consumed_total",
        "karafka_retries_total",
        "karafka_dead_letter_dispatches_total",
        "karafka_pauses_total",
        "karafka_commits_total",
    ] {
        assert_eq!(
            value(&metrics, name, &of("orders", "1")),
            Some(0.0),
            "{name}"
        );
    }
    let group = [("group", GROUP)];
    assert_eq!(
        value(&metrics, "karafka_assigned_partitions", &group),
        Some(2.0)
    );
    assert_eq!(
        value(&metrics, "karafka_paused_partitions", &group),
        Some(0.0)
    );
    let topic = [("group", GROUP), ("topic", "orders")];
    assert_eq!(
        value(&metrics, "karafka_batch_size_count", &topic),
        Some(0.0)
    );
    assert_eq!(
        value(
            &metrics,
            "karafka_rebalances_total",
            &[("group", GROUP), ("kind", "assigned")]
        ),
        Some(1.0)
    );
}

#[test]
fn counts_equal_what_the_events_said() {
    let metrics = Metrics::new();
    let (first, second) = (partition("orders", 0), partition("orders", 1));
    feed(
        &metrics,
        &[
            assigned(GROUP, &[first.clone(), second.clone()]),
            consumed(GROUP, &first, 3, Some(100)),
            consumed(GROUP, &first, 2, None),
            consumed(GROUP, &second, 5, Some(300)),
            retry(&first),
            paused(&first),
            paused(&second),
            paused(&second),
            retry(&second),
            dispatched(&second),
            committed(GROUP, &first),
            committed(GROUP, &first),
            committed(GROUP, &second),
            error(ErrorKind::Consume, Some(&first)),
        ],
    );
    let expected = [
        ("karafka_messages_consumed_total", "0", 5.0),
        ("karafka_messages_consumed_total", "1", 5.0),
        ("karafka_batches_consumed_total", "0", 2.0),
        ("karafka_batches_consumed_total", "1", 1.0),
        ("karafka_retries_total", "0", 1.0),
        ("karafka_retries_total", "1", 1.0),
        ("karafka_pauses_total", "0", 1.0),
        ("karafka_pauses_total", "1", 2.0),
        ("karafka_dead_letter_dispatches_total", "0", 0.0),
        ("karafka_dead_letter_dispatches_total", "1", 1.0),
        ("karafka_commits_total", "0", 2.0),
        ("karafka_commits_total", "1", 1.0),
    ];
    for (name, partition, count) in expected {
        assert_eq!(
            value(&metrics, name, &of("orders", partition)),
            Some(count),
            "{name} of partition {partition}"
        );
    }
    let topic = [("group", GROUP), ("topic", "orders")];
    assert_eq!(
        value(&metrics, "karafka_consume_duration_seconds_count", &topic),
        Some(3.0)
    );
    assert_eq!(
        value(&metrics, "karafka_consume_duration_seconds_sum", &topic),
        Some(0.06)
    );
    assert_eq!(
        value(&metrics, "karafka_batch_size_count", &topic),
        Some(3.0)
    );
    assert_eq!(
        value(&metrics, "karafka_batch_size_sum", &topic),
        Some(10.0)
    );
    assert_eq!(
        value(&metrics, "karafka_end_to_end_latency_seconds_count", &topic),
        Some(2.0),
        "a batch without timestamps has no latency"
    );
    assert_eq!(
        value(&metrics, "karafka_end_to_end_latency_seconds_sum", &topic),
        Some(0.4)
    );
    let group = [("group", GROUP)];
    assert_eq!(
        value(&metrics, "karafka_paused_partitions", &group),
        Some(2.0)
    );
    metrics.on_event(&Event::Resumed {
        partition: second.clone(),
    });
    assert_eq!(
        value(&metrics, "karafka_paused_partitions", &group),
        Some(1.0)
    );
}

#[test]
fn histograms_have_exponential_buckets() {
    let text = every_series().render();
    let bounds = |name: &str| -> Vec<String> {
        samples(&text)
            .into_iter()
            .filter(|sample| sample.name == name)
            .filter_map(|sample| sample.label("le").map(str::to_owned))
            .collect()
    };
    let duration = bounds("karafka_consume_duration_seconds_bucket");
    assert_eq!(duration.len(), 19, "18 bounds and +Inf: {duration:?}");
    assert_eq!(duration.first().map(String::as_str), Some("0.001"));
    assert_eq!(duration.last().map(String::as_str), Some("+Inf"));
    let sizes = bounds("karafka_batch_size_bucket");
    assert_eq!(sizes.len(), 15, "{sizes:?}");
    assert_eq!(sizes.get(13).map(String::as_str), Some("8192.0"));
    let latency = bounds("karafka_end_to_end_latency_seconds_bucket");
    assert_eq!(latency.len(), 21, "{latency:?}");
    // The 150 ms latency of every_series falls in the (0.08, 0.16] bucket.
    let in_bucket = |bound: &str| {
        samples(&text).into_iter().any(|sample| {
            sample.name == "karafka_end_to_end_latency_seconds_bucket"
                && sample.label("le") == Some(bound)
                && sample.value == 1.0
        })
    };
    assert!(in_bucket("0.16") && !in_bucket("0.08"));
}

#[test]
fn the_lag_gauge_follows_statistics_and_goes_with_its_partition() {
    let metrics = Metrics::new();
    let (first, second) = (partition("orders", 0), partition("orders", 1));
    let foreign = partition("orders", 2);
    let lag =
        |partition: &'static str| value(&metrics, "karafka_consumer_lag", &of("orders", partition));
    feed(
        &metrics,
        &[
            assigned(GROUP, &[first.clone(), second.clone()]),
            statistics(
                GROUP,
                &[
                    (first.clone(), true, Some(10)),
                    (second.clone(), true, Some(4)),
                    (foreign.clone(), true, Some(99)),
                ],
            ),
        ],
    );
    assert_eq!((lag("0"), lag("1")), (Some(10.0), Some(4.0)));
    assert_eq!(
        lag("2"),
        None,
        "a partition the group was not assigned has no lag series"
    );

    metrics.on_event(&statistics(
        GROUP,
        &[
            (first.clone(), true, Some(7)),
            (second.clone(), false, Some(4)),
        ],
    ));
    assert_eq!(
        (lag("0"), lag("1")),
        (Some(7.0), None),
        "unassigned in the report"
    );

    metrics.on_event(&statistics(GROUP, &[(first.clone(), true, None)]));
    assert_eq!(
        (lag("0"), lag("1")),
        (None, None),
        "unknown lag, absent partition"
    );

    metrics.on_event(&statistics(
        GROUP,
        &[
            (first.clone(), true, Some(3)),
            (second.clone(), true, Some(1)),
        ],
    ));
    assert_eq!((lag("0"), lag("1")), (Some(3.0), Some(1.0)));

    metrics.on_event(&statistics(
        "other/default",
        &[(first.clone(), true, Some(0))],
    ));
    assert_eq!(
        lag("0"),
        Some(3.0),
        "another group's report leaves this one's lag"
    );

    metrics.on_event(&revoked(GROUP, std::slice::from_ref(&first)));
    assert_eq!((lag("0"), lag("1")), (None, Some(1.0)), "revoked");
    metrics.on_event(&lost(GROUP, std::slice::from_ref(&second)));
    assert_eq!(lag("1"), None, "lost");
}

#[test]
fn revocation_removes_the_partitions_series_from_every_family() {
    let metrics = every_series();
    let orders = partition("orders", 0);
    let payments = partition("payments", 0);
    feed(
        &metrics,
        &[
            assigned(GROUP, &[partition("orders", 3), payments.clone()]),
            consumed(GROUP, &payments, 1, Some(10)),
            statistics(
                GROUP,
                &[
                    (orders.clone(), true, Some(1)),
                    (payments.clone(), true, Some(1)),
                ],
            ),
        ],
    );
    let of_partition = |partition: &TopicPartition| {
        let number = partition.partition.to_string();
        samples(&metrics.render())
            .into_iter()
            .filter(|sample| {
                sample.label("topic") == Some(partition.topic.as_str())
                    && sample.label("partition") == Some(number.as_str())
            })
            .map(|sample| sample.name)
            .collect::<BTreeSet<String>>()
    };
    let before = of_partition(&orders);
    assert_eq!(
        before.len(),
        7,
        "messages, batches, retries, dead letters, pauses, commits, lag: {before:?}"
    );

    metrics.on_event(&revoked(GROUP, std::slice::from_ref(&orders)));
    assert_eq!(of_partition(&orders), BTreeSet::new());
    let orders_histograms = |metrics: &Metrics| {
        samples(&metrics.render())
            .into_iter()
            .filter(|sample| {
                sample.label("topic") == Some("orders") && sample.label("le").is_some()
            })
            .count()
    };
    assert!(
        orders_histograms(&metrics) > 0,
        "orders/3 is still held: its topic keeps its histograms"
    );
    assert_eq!(
        value(&metrics, "karafka_paused_partitions", &[("group", GROUP)]),
        Some(0.0)
    );

    metrics.on_event(&lost(GROUP, &[partition("orders", 3)]));
    let orders_left: Vec<Sample> = samples(&metrics.render())
        .into_iter()
        .filter(|sample| sample.label("topic") == Some("orders"))
        .collect();
    assert_eq!(
        orders_left,
        Vec::new(),
        "the last partition of the topic took its histograms"
    );
    assert_eq!(
        of_partition(&payments).len(),
        7,
        "another topic's partition keeps its series"
    );
    assert_eq!(
        value(&metrics, "karafka_assigned_partitions", &[("group", GROUP)]),
        Some(1.0)
    );
    assert_eq!(
        value(
            &metrics,
            "karafka_errors_total",
            &[("group", GROUP), ("kind", "consume")]
        ),
        Some(1.0),
        "group-level series stay"
    );
}

#[test]
fn events_about_a_partition_not_held_make_no_series() {
    let metrics = Metrics::new();
    let orders = partition("orders", 0);
    feed(
        &metrics,
        &[
            assigned(GROUP, std::slice::from_ref(&orders)),
            revoked(GROUP, std::slice::from_ref(&orders)),
            // A job that outlived its assignment.
            consumed(GROUP, &orders, 3, Some(5)),
            retry(&orders),
            paused(&orders),
            dispatched(&orders),
            committed(GROUP, &orders),
            consumed("other/default", &orders, 1, None),
        ],
    );
    let left: Vec<Sample> = samples(&metrics.render())
        .into_iter()
        .filter(|sample| sample.label("topic").is_some())
        .collect();
    assert_eq!(left, Vec::new());
}

#[test]
fn errors_are_labelled_by_kind_and_the_group_holding_the_partition() {
    let metrics = Metrics::new();
    let orders = partition("orders", 0);
    metrics.on_event(&assigned(GROUP, std::slice::from_ref(&orders)));
    let kinds = [
        (ErrorKind::Consume, "consume"),
        (ErrorKind::Decode, "decode"),
        (ErrorKind::Panic, "panic"),
        (ErrorKind::Commit, "commit"),
        (ErrorKind::DeadLetterWrite, "dead_letter_write"),
        (
            ErrorKind::MaxPollIntervalExceeded,
            "max_poll_interval_exceeded",
        ),
        (ErrorKind::Librdkafka, "librdkafka"),
        (ErrorKind::Listener, "listener"),
        (ErrorKind::Tick, "tick"),
        (ErrorKind::Eofed, "eofed"),
        (ErrorKind::Critical, "critical"),
    ];
    for (kind, label) in kinds {
        assert_eq!(error_kind(kind), label);
        metrics.on_event(&error(kind, Some(&orders)));
    }
    metrics.on_event(&error(ErrorKind::Consume, Some(&orders)));
    metrics.on_event(&error(ErrorKind::Librdkafka, None));
    metrics.on_event(&error(ErrorKind::Panic, Some(&partition("unknown", 0))));
    for (_, label) in kinds {
        let expected = if label == "consume" { 2.0 } else { 1.0 };
        assert_eq!(
            value(
                &metrics,
                "karafka_errors_total",
                &[("group", GROUP), ("kind", label)]
            ),
            Some(expected),
            "{label}"
        );
    }
    let unknown = |kind| {
        value(
            &metrics,
            "karafka_errors_total",
            &[("group", ""), ("kind", kind)],
        )
    };
    assert_eq!(unknown("librdkafka"), Some(1.0), "no partition: no group");
    assert_eq!(unknown("panic"), Some(1.0), "a partition no group holds");
}

#[test]
fn rebalances_are_counted_by_kind() {
    let metrics = every_series();
    let rebalances = |kind| {
        value(
            &metrics,
            "karafka_rebalances_total",
            &[("group", GROUP), ("kind", kind)],
        )
    };
    assert_eq!(
        (
            rebalances("assigned"),
            rebalances("revoked"),
            rebalances("lost")
        ),
        (Some(2.0), Some(1.0), Some(1.0))
    );
}

#[test]
fn figures_read_at_scrape_time_are_set_per_group() {
    let metrics = every_series();
    let group = [("group", GROUP)];
    assert_eq!(value(&metrics, "karafka_running_jobs", &group), Some(2.0));
    assert_eq!(
        value(&metrics, "karafka_poll_age_seconds", &group),
        Some(1.5)
    );
    metrics.set_running_jobs(GROUP, 0);
    metrics.set_poll_age("other/default", Duration::from_millis(250));
    assert_eq!(value(&metrics, "karafka_running_jobs", &group), Some(0.0));
    assert_eq!(
        value(
            &metrics,
            "karafka_poll_age_seconds",
            &[("group", "other/default")]
        ),
        Some(0.25)
    );
}

#[test]
fn a_partition_two_groups_hold_is_labelled_with_the_latest_and_kept_by_the_other() {
    let metrics = Metrics::new();
    let orders = partition("orders", 0);
    let other = "audit/default";
    feed(
        &metrics,
        &[
            assigned(GROUP, std::slice::from_ref(&orders)),
            assigned(other, std::slice::from_ref(&orders)),
            retry(&orders),
        ],
    );
    let retries = |metrics: &Metrics, group| {
        value(
            metrics,
            "karafka_retries_total",
            &[("group", group), ("topic", "orders"), ("partition", "0")],
        )
    };
    assert_eq!(
        (retries(&metrics, GROUP), retries(&metrics, other)),
        (Some(0.0), Some(1.0))
    );
    feed(
        &metrics,
        &[
            revoked(other, std::slice::from_ref(&orders)),
            retry(&orders),
        ],
    );
    assert_eq!(
        (retries(&metrics, GROUP), retries(&metrics, other)),
        (Some(1.0), None)
    );
}

/// A step of the property test: a rebalance, or an event that makes series.
#[derive(Debug, Clone)]
enum Step {
    Assign(usize, Vec<TopicPartition>),
    Revoke(usize, Vec<TopicPartition>),
    Lose(usize, Vec<TopicPartition>),
    Consume(usize, TopicPartition),
    Pause(TopicPartition),
    Report(usize, Vec<TopicPartition>),
}

const GROUPS: [&str; 2] = ["shop/default", "audit/default"];

fn any_partition() -> impl Strategy<Value = TopicPartition> {
    (prop::sample::select(vec!["orders", "payments"]), 0i32..3)
        .prop_map(|(topic, number)| TopicPartition::new(topic, number))
}

fn any_step() -> impl Strategy<Value = Step> {
    let group = 0..GROUPS.len();
    let partitions = || prop::collection::vec(any_partition(), 0..4);
    prop_oneof![
        (group.clone(), partitions()).prop_map(|(group, list)| Step::Assign(group, list)),
        (group.clone(), partitions()).prop_map(|(group, list)| Step::Revoke(group, list)),
        (group.clone(), partitions()).prop_map(|(group, list)| Step::Lose(group, list)),
        (group.clone(), any_partition())
            .prop_map(|(group, partition)| Step::Consume(group, partition)),
        any_partition().prop_map(Step::Pause),
        (group, partitions()).prop_map(|(group, list)| Step::Report(group, list)),
    ]
}

proptest! {
    #[test]
    fn series_follow_the_assignment(steps in prop::collection::vec(any_step(), 0..40)) {
        let metrics = Metrics::new();
        let mut held: BTreeMap<&str, BTreeSet<TopicPartition>> = BTreeMap::new();
        for step in steps {
            let event = match step {
                Step::Assign(group, list) => {
                    held.entry(GROUPS[group]).or_default().extend(list.iter().cloned());
                    assigned(GROUPS[group], &list)
                }
                Step::Revoke(group, list) => {
                    if let Some(partitions) = held.get_mut(GROUPS[group]) {
                        partitions.retain(|held| !list.contains(held));
                    }
                    revoked(GROUPS[group], &list)
                }
                Step::Lose(group, list) => {
                    if let Some(partitions) = held.get_mut(GROUPS[group]) {
                        partitions.retain(|held| !list.contains(held));
                    }
                    lost(GROUPS[group], &list)
                }
                Step::Consume(group, partition) => consumed(GROUPS[group], &partition, 2, Some(1)),
                Step::Pause(partition) => paused(&partition),
                Step::Report(group, list) => statistics(
                    GROUPS[group],
                    &list.into_iter().map(|partition| (partition, true, Some(5))).collect::<Vec<_>>(),
                ),
            };
            metrics.on_event(&event);
        }
        let exposition = samples(&metrics.render());
        for (group, partitions) in &held {
            let assigned = exposition.iter().find(|sample| {
                sample.name == "karafka_assigned_partitions" && sample.label("group") == Some(group)
            });
            prop_assert_eq!(assigned.map(|sample| sample.value), Some(partitions.len() as f64));
            let paused = exposition.iter().find(|sample| {
                sample.name == "karafka_paused_partitions" && sample.label("group") == Some(group)
            });
            prop_assert!(paused.is_some_and(|sample| sample.value <= partitions.len() as f64));
            for partition in partitions {
                let number = partition.partition.to_string();
                prop_assert!(exposition.iter().any(|sample| {
                    sample.name == "karafka_messages_consumed_total"
                        && sample.label("group") == Some(group)
                        && sample.label("topic") == Some(partition.topic.as_str())
                        && sample.label("partition") == Some(number.as_str())
                }), "{} holds {} but has no series of it", group, partition);
            }
        }
        for sample in &exposition {
            let (Some(group), Some(topic)) = (sample.label("group"), sample.label("topic")) else {
                continue;
            };
            let partitions = held.get(group).cloned().unwrap_or_default();
            match sample.label("partition") {
                Some(number) => {
                    let partition = TopicPartition::new(topic, number.parse().unwrap());
                    prop_assert!(partitions.contains(&partition), "{:?} of a partition not held", sample);
                }
                None => prop_assert!(
                    partitions.iter().any(|partition| partition.topic == topic),
                    "{:?} of a topic with no partition held", sample
                ),
            }
        }
    }
}
