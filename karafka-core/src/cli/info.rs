//! `info`: versions, settings with secrets redacted, and the routes.

use std::fmt::Write as _;

use crate::config::{shown, KafkaSettings};
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
    let mut group = "";
    for subscription in &app.subscriptions {
        if subscription.group_id != group {
            group = &subscription.group_id;
            writeln!(out, "  consumer group {group}")?;
        }
        writeln!(
            out,
            "    subscription group {}",
            subscription.subscription_group
        )?;
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
                if route.manual_offset_management {
                    ", manual offsets"
                } else {
                    ""
                }
            )?;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::REDACTED;

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
