//! `info`: versions, settings with secrets redacted, the routes and the declared topics.

use std::fmt::Write as _;

use crate::config::{shown, Cluster, KafkaSettings};
use crate::App;

pub(super) fn run(app: &App) -> anyhow::Result<u8> {
    print!("{}", render(app)?);
    Ok(0)
}

fn redact(settings: &KafkaSettings) -> KafkaSettings {
    settings
        .iter()
        .map(|(key, value)| (key, shown(key, value)))
        .collect()
}

fn render(app: &App) -> anyhow::Result<String> {
    let (_, librdkafka) = rdkafka::util::get_rdkafka_version();
    let mut config = app.config().clone();
    config.kafka = redact(&config.kafka);
    config.producer.kafka = redact(&config.producer.kafka);

    let mut out = String::new();
    writeln!(
        out,
        "karafka {} (librdkafka {librdkafka})",
        env!("CARGO_PKG_VERSION")
    )?;
    writeln!(out, "\nConfiguration:\n")?;
    out.push_str(&toml::to_string(&config)?);
    writeln!(out, "\nRoutes:")?;
    let main = app.config().cluster();
    // Only routes and topics of another cluster than `[kafka]`'s name theirs.
    let elsewhere = |cluster: &Cluster| {
        if *cluster == main {
            String::new()
        } else {
            format!(" on cluster {cluster}")
        }
    };
    let mut group = "";
    for subscription in &app.subscriptions {
        if subscription.group_id != group {
            group = &subscription.group_id;
            writeln!(out, "  consumer group {group}")?;
        }
        write!(
            out,
            "    subscription group {}{}",
            subscription.subscription_group,
            elsewhere(&subscription.cluster)
        )?;
        if subscription.connections > 1 {
            write!(
                out,
                " (multiplexing: {} connections)",
                subscription.connections
            )?;
        }
        writeln!(out)?;
        for route in &subscription.topics {
            let kind = if route.pattern.is_some() {
                "pattern"
            } else {
                "topic"
            };
            writeln!(
                out,
                "      {kind} {} -> {} (max_messages {}, max_wait_time {} ms{})",
                route.name,
                route.consumer_name,
                route.max_messages,
                route.max_wait_time.as_millis(),
                if route.stack.manual_offset_management {
                    ", manual offsets"
                } else {
                    ""
                }
            )?;
            if !route.features.is_empty() {
                writeln!(out, "        {}", route.features.join("; "))?;
            }
        }
    }
    if !app.inactive.is_empty() {
        writeln!(out, "  inactive (declared, not consumed)")?;
        for (group, topic) in &app.inactive {
            writeln!(out, "    topic {topic} (consumer group {group})")?;
        }
    }
    writeln!(out, "\nDeclared topics (managed by `topics`):")?;
    for declared in &app.declared {
        for cluster in &declared.clusters {
            let on = elsewhere(cluster);
            writeln!(out, "  {}: {}{on}", declared.name, declared.config)?;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::REDACTED;
    use crate::consumer::Noop;

    #[test]
    fn each_topic_shows_its_features_and_inactive_and_declared_topics_are_listed() {
        use std::time::Duration;

        use crate::middleware::{DeadLetterQueue, VirtualPartitions};
        use crate::routing::{Multiplexing, Routes, SubscriptionGroup, Topic, TopicConfig};

        let routes = Routes::new()
            .topic(
                Topic::new("orders")
                    .consumer::<Noop>()
                    .dead_letter_queue(DeadLetterQueue::new("orders_dlq").max_retries(2))
                    .expire_in(Duration::from_secs(60))
                    .layer(tower::layer::util::Identity::new()),
            )
            .topic(
                Topic::new("events")
                    .consumer::<Noop>()
                    .virtual_partitions(VirtualPartitions::new(|m| m.key().map(<[u8]>::to_vec)))
                    .long_running_job(true),
            )
            .topic(Topic::new("orders_dlq").active(false))
            .subscription_group(
                SubscriptionGroup::new("fast")
                    .multiplexing(Multiplexing::new().connections(3))
                    .topic(Topic::new("clicks").consumer::<Noop>()),
            )
            .declare(
                "outbox",
                TopicConfig::new()
                    .partitions(6)
                    .setting("retention.ms", 1000),
            );
        let app = App::builder()
            .config(crate::Config::default().kafka("bootstrap.servers", "127.0.0.1:1"))
            .routes(routes)
            .build()
            .expect("valid app");
        let text = render(&app).expect("rendered");
        for line in [
            "dead-letter queue `orders_dlq` after 2 retries; 1 filter(s); 1 layer(s)",
            "up to 5 virtual partitions; long-running job",
            "    subscription group default\n",
            "    subscription group fast (multiplexing: 3 connections)\n      topic clicks -> Noop",
            "inactive (declared, not consumed)",
            "topic orders_dlq (consumer group app)",
            "Declared topics (managed by `topics`):\n  outbox: 6 partition(s), replication factor 1, \
             retention.ms=1000\n  orders: 1 partition(s), replication factor 1\n  orders_dlq: 1",
        ] {
            assert!(text.contains(line), "{line:?} in:\n{text}");
        }
    }

    #[test]
    fn secrets_are_redacted_and_the_rest_kept() {
        let settings: KafkaSettings = [
            ("sasl.password", "hunter2"),
            ("sasl.oauthbearer.client.secret", "s3cret"),
            ("ssl.key.pem", "-----BEGIN"),
            ("bootstrap.servers", "h:1"),
        ]
        .into_iter()
        .collect();
        let redacted = redact(&settings);
        assert_eq!(redacted.get("sasl.password"), Some(REDACTED));
        assert_eq!(
            redacted.get("sasl.oauthbearer.client.secret"),
            Some(REDACTED)
        );
        assert_eq!(redacted.get("ssl.key.pem"), Some(REDACTED));
        assert_eq!(redacted.get("bootstrap.servers"), Some("h:1"));
    }
}
