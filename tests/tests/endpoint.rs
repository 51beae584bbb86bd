//! The metrics and health endpoint against the real broker: `/metrics` counts what was consumed
//! and shows lag reaching 0, `/health/live` fails naming a stalled partition within the stall
//! TTL, `/health/ready` answers 200 once the group assigned partitions, and a taken port fails
//! the start naming the setting.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use karafka::config::MetricsConfig;
use karafka::instrumentation::Event;
use karafka::routing::{Routes, Topic};
use karafka::{async_trait, App, Config, Consumer, Context};
use karafka_integration_tests::*;

/// Settings with the endpoint on a free port and statistics every second.
fn with_endpoint(group: &str, metrics: MetricsConfig) -> (Config, String) {
    let address = free_address();
    let config = Config {
        metrics: MetricsConfig {
            enabled: true,
            address: address.clone(),
            ..metrics
        },
        ..config(group)
    }
    .kafka("statistics.interval.ms", 1_000);
    (config, address)
}

/// Handles every message.
#[derive(Default)]
struct Quick;

#[async_trait]
impl Consumer for Quick {
    async fn consume(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        if let Some(last) = ctx.messages().last() {
            ctx.mark_as_consumed(last);
        }
        Ok(())
    }
}

/// The value of the sample `name{labels}` whose labels include every one of `labels`, summed
/// over the matching series.
fn sample_sum(exposition: &str, name: &str, labels: &[&str]) -> Option<f64> {
    let values: Vec<f64> = exposition
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| {
            let (series, value) = line.rsplit_once(' ')?;
            let (metric, rest) = series.split_once('{').unwrap_or((series, ""));
            (metric == name && labels.iter().all(|label| rest.contains(label)))
                .then(|| value.parse().ok())
                .flatten()
        })
        .collect();
    (!values.is_empty()).then(|| values.iter().sum())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_what_was_consumed_and_show_lag_reaching_zero() {
    let topic = unique("metrics");
    let group = unique("metrics-group");
    create_topic(&topic, 2).await;
    let payloads: Vec<String> = (0..20).map(|n| format!("{{\"n\":{n}}}")).collect();
    let payloads: Vec<&str> = payloads.iter().map(String::as_str).collect();
    produce_to(&topic, 0, &payloads).await;
    produce_to(&topic, 1, &payloads[..15]).await;

    let (config, address) = with_endpoint(&group, MetricsConfig::default());
    let server = RunningServer::start(
        config,
        Routes::new().topic(Topic::new(&topic).consumer::<Quick>()),
    );
    let topic_label = format!("topic=\"{topic}\"");
    // The last exposition scraped: the one that met the expectations, or the last before the
    // bound, for the assertions' messages.
    let mut body = String::new();
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(60) {
        if let Some((200, scraped)) = http_get(&address, "/metrics").await {
            body = scraped;
            let consumed = sample_sum(&body, "karafka_messages_consumed_total", &[&topic_label]);
            let lag: Vec<Option<f64>> = (0..2)
                .map(|partition| {
                    sample_sum(
                        &body,
                        "karafka_consumer_lag",
                        &[&topic_label, &format!("partition=\"{partition}\"")],
                    )
                })
                .collect();
            if consumed == Some(35.0) && lag == [Some(0.0), Some(0.0)] {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    server.stop().await;
    assert_eq!(
        sample_sum(&body, "karafka_messages_consumed_total", &[&topic_label]),
        Some(35.0),
        "every produced message counted once:\n{body}"
    );
    for partition in 0..2 {
        assert_eq!(
            sample_sum(
                &body,
                "karafka_consumer_lag",
                &[&topic_label, &format!("partition=\"{partition}\"")]
            ),
            Some(0.0),
            "lag of partition {partition} reached 0:\n{body}"
        );
    }
    assert!(
        sample_sum(&body, "karafka_batches_consumed_total", &[&topic_label])
            .is_some_and(|batches| batches >= 2.0),
        "{body}"
    );
    assert_eq!(
        sample_sum(&body, "karafka_assigned_partitions", &[]),
        Some(2.0),
        "{body}"
    );
}

/// Hangs on its first batch until released (at most a minute).
struct Hanging {
    started: Arc<AtomicBool>,
    release: Arc<AtomicBool>,
}

#[async_trait]
impl Consumer for Hanging {
    async fn consume(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        self.started.store(true, Ordering::Release);
        let hung = Instant::now();
        while !self.release.load(Ordering::Acquire) && hung.elapsed() < Duration::from_secs(60) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        if let Some(last) = ctx.messages().last() {
            ctx.mark_as_consumed(last);
        }
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_past_the_consuming_ttl_fails_liveness_naming_its_partition_and_readiness_follows_the_assignment(
) {
    let topic = unique("stall");
    let group = unique("stall-group");
    create_topic(&topic, 1).await;
    let consuming_ttl = Duration::from_secs(3);
    let (config, address) = with_endpoint(
        &group,
        MetricsConfig {
            consuming_ttl,
            ..MetricsConfig::default()
        },
    );
    let (started, release) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicBool::new(false)),
    );
    let assigned = Arc::new(AtomicBool::new(false));
    let app = App::builder()
        .config(config)
        .routes(Routes::new().topic(Topic::new(&topic).consumer_with({
            let (started, release) = (Arc::clone(&started), Arc::clone(&release));
            move || Hanging {
                started: Arc::clone(&started),
                release: Arc::clone(&release),
            }
        })))
        .listener({
            let assigned = Arc::clone(&assigned);
            move |event: &Event| {
                if matches!(event, Event::PartitionsAssigned { .. }) {
                    assigned.store(true, Ordering::Release);
                }
            }
        })
        .build()
        .expect("valid app");
    let server = RunningServer::start_app(app);

    // Ready only once the group assigned the partition.
    let became_ready = Instant::now();
    loop {
        match http_get(&address, "/health/ready").await {
            Some((200, _)) => break,
            Some((503, body)) => assert!(body.contains("subscription group"), "{body}"),
            _ => {}
        }
        assert!(
            became_ready.elapsed() < Duration::from_secs(60),
            "/health/ready never answered 200"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        assigned.load(Ordering::Acquire),
        "ready before the assignment"
    );
    let (status, body) = http_get(&address, "/health/live").await.expect("an answer");
    assert_eq!(status, 200, "alive while idle: {body}");

    produce_to(&topic, 0, &["{}"]).await;
    wait_for(Duration::from_secs(30), "the job to start", || {
        started.load(Ordering::Acquire)
    })
    .await;
    let job_started = Instant::now();
    let (status, body) = http_get(&address, "/health/live").await.expect("an answer");
    assert_eq!(
        status, 200,
        "alive while the job is younger than the TTL: {body}"
    );
    // The TTL, one listener poll, and the probe's own round trip.
    let bound = consuming_ttl + Duration::from_secs(1);
    let failing = loop {
        if let Some((503, body)) = http_get(&address, "/health/live").await {
            break body;
        }
        assert!(
            job_started.elapsed() < bound,
            "/health/live still 200 {} ms after the job started (consuming_ttl {} ms)",
            job_started.elapsed().as_millis(),
            consuming_ttl.as_millis()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(
        failing.contains(&format!("partition {topic}/0"))
            && failing.contains("metrics.consuming_ttl"),
        "{failing}"
    );
    release.store(true, Ordering::Release);
    let recovered = Instant::now();
    loop {
        if let Some((200, _)) = http_get(&address, "/health/live").await {
            break;
        }
        assert!(
            recovered.elapsed() < Duration::from_secs(10),
            "/health/live stayed 503 after the job ended"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_taken_port_fails_the_start_naming_the_setting() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let address = taken.local_addr().expect("its address").to_string();
    let group = unique("taken-port");
    let taken_port = Config {
        metrics: MetricsConfig {
            enabled: true,
            address: address.clone(),
            ..MetricsConfig::default()
        },
        ..config(&group)
    };
    let app = App::builder()
        .config(taken_port)
        .routes(Routes::new().topic(Topic::new(unique("unused")).consumer::<Quick>()))
        .build()
        .expect("valid app");
    let error = tokio::time::timeout(
        Duration::from_secs(30),
        app.server().run_until(std::future::pending()),
    )
    .await
    .expect("the start fails at once")
    .expect_err("the port is taken");
    let message = error.to_string();
    assert!(
        message.contains("`metrics.address`") && message.contains(&address),
        "{message}"
    );

    let malformed = Config {
        metrics: MetricsConfig {
            address: "localhost".into(),
            ..MetricsConfig::default()
        },
        ..config(&group)
    };
    let error = App::builder()
        .config(malformed)
        .routes(Routes::new().topic(Topic::new(unique("unused")).consumer::<Quick>()))
        .build()
        .err()
        .expect("a malformed address is refused");
    assert!(error.to_string().contains("`metrics.address`"), "{error}");
}
