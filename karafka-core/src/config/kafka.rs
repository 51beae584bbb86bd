//! librdkafka settings: the `kafka` map, and the settings the runtime owns.

use std::collections::BTreeMap;
use std::fmt;

use rdkafka::ClientConfig;
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use super::{redact_kafka_error, shown, ConfigError};

/// librdkafka settings by librdkafka's property names (`"bootstrap.servers"`, `"fetch.max.bytes"`).
///
/// Values may be written as strings, numbers or booleans; librdkafka receives them as strings.
/// Keys coming from environment variables use `_` for `.` (`KARAFKA_KAFKA__BOOTSTRAP_SERVERS`), so
/// underscores in keys are read as dots (no librdkafka property has an underscore).
///
/// Its `Debug` output shows secret values (passwords, tokens, key material) as `[REDACTED]`.
#[derive(Clone, Default, PartialEq, Eq, Serialize)]
pub struct KafkaSettings(BTreeMap<String, String>);

impl fmt::Debug for KafkaSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.iter().map(|(key, value)| (key, shown(key, value))))
            .finish()
    }
}

impl KafkaSettings {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `key` to `value`, replacing an earlier value.
    pub fn set(&mut self, key: impl Into<String>, value: impl ToString) -> &mut Self {
        self.0.insert(normalize_key(&key.into()), value.to_string());
        self
    }

    /// The value of `key`, if set.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    /// Every setting, in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Whether no setting is present.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// These settings with `overrides` laid over them.
    pub fn merged(&self, overrides: &KafkaSettings) -> KafkaSettings {
        let mut merged = self.clone();
        merged.0.extend(overrides.0.clone());
        merged
    }

    pub(crate) fn to_client_config(&self) -> ClientConfig {
        let mut config = ClientConfig::new();
        for (key, value) in self.iter() {
            config.set(key, value);
        }
        config
    }
}

impl<K: Into<String>, V: ToString> FromIterator<(K, V)> for KafkaSettings {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut settings = Self::new();
        for (key, value) in iter {
            settings.set(key, value);
        }
        settings
    }
}

fn normalize_key(key: &str) -> String {
    key.replace('_', ".")
}

impl<'de> Deserialize<'de> for KafkaSettings {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SettingsVisitor;

        impl<'de> Visitor<'de> for SettingsVisitor {
            type Value = KafkaSettings;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map of librdkafka properties to strings, numbers or booleans")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut settings = KafkaSettings::new();
                while let Some((key, value)) = map.next_entry::<String, ScalarValue>()? {
                    settings.set(key, value.0);
                }
                Ok(settings)
            }
        }

        deserializer.deserialize_map(SettingsVisitor)
    }
}

/// A string, number or boolean, kept as the string librdkafka expects.
struct ScalarValue(String);

impl<'de> Deserialize<'de> for ScalarValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ScalarVisitor;

        impl Visitor<'_> for ScalarVisitor {
            type Value = ScalarValue;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string, number or boolean")
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(ScalarValue(v.to_owned()))
            }

            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
                Ok(ScalarValue(v.to_string()))
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(ScalarValue(v.to_string()))
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(ScalarValue(v.to_string()))
            }

            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Ok(ScalarValue(v.to_string()))
            }
        }

        deserializer.deserialize_any(ScalarVisitor)
    }
}

/// How a key of the `kafka` map is named in messages: `kafka."enable.auto.commit"`.
pub(super) fn kafka_key(key: &str) -> String {
    format!("kafka.\"{key}\"")
}

/// Settings the runtime owns on every consumer, with the reason a user may not change them.
const CONSUMER_FORCED: &[(&str, &str, &str)] = &[
    (
        "enable.auto.offset.store",
        "false",
        "must stay false: the runtime stores an offset only after its message was handled (at-least-once)",
    ),
    (
        "enable.auto.commit",
        "false",
        "must stay false: the runtime commits the offsets it stored every \
         `auto.commit.interval.ms`, one commit at a time, so the broker never gets an older \
         offset after a newer one; use `mark_as_consumed_sync` where a commit must happen at once",
    ),
    (
        "enable.partition.eof",
        "false",
        "must stay false: partition EOF events are not messages and the runtime does not consume them",
    ),
];

/// librdkafka defaults the runtime changes (users may still set them).
///
/// `fetch.queue.backoff.ms`: once a partition's prefetch queue is full, librdkafka waits this long
/// before it fetches that partition again (1000 ms by default), so a consumer that drains the
/// queue quickly would sit idle for up to a second. Memory stays bounded by the queue limits.
///
/// `topic.metadata.refresh.interval.ms`: a member of a classic group learns of partitions added
/// to a subscribed topic, and of new topics matching a pattern route, only when it refreshes
/// metadata (every 300 s by default), and their messages wait until then. Every 10 s costs one
/// small metadata request per subscription group (for pattern routes, one for all topics).
///
/// `statistics.interval.ms`: Karafka's 5 s. The statistics feed `statistics.emitted`, the lag
/// metrics and `Context::insights`; `0` turns them off.
const CONSUMER_DEFAULTS: &[(&str, &str)] = &[
    ("fetch.queue.backoff.ms", "50"),
    ("fetch.wait.max.ms", "100"),
    ("queued.max.messages.kbytes", "8192"),
    ("topic.metadata.refresh.interval.ms", "10000"),
    ("statistics.interval.ms", "5000"),
];

/// librdkafka properties that only consumers understand (or, for `statistics.interval.ms`, only
/// consumers' statistics are read: a producer would merely log its own); the producer does not
/// receive them.
const CONSUMER_ONLY: &[&str] = &[
    "statistics.interval.ms",
    "group.",
    "partition.assignment.strategy",
    "session.timeout.ms",
    "heartbeat.interval.ms",
    "coordinator.query.interval.ms",
    "max.poll.interval.ms",
    "enable.auto.commit",
    "auto.commit.interval.ms",
    "enable.auto.offset.store",
    "queued.min.messages",
    "queued.max.messages.kbytes",
    "fetch.",
    "enable.partition.eof",
    "check.crcs",
    "isolation.level",
    "auto.offset.reset",
    "consume.callback.max.messages",
];

/// The librdkafka configuration of one consumer: the user's settings with the runtime's laid
/// over them. Refuses user values that would break at-least-once delivery.
pub(crate) fn consumer_config(
    settings: &KafkaSettings,
    group_id: &str,
    client_id: &str,
    auto_offset_reset: &str,
) -> Result<ClientConfig, ConfigError> {
    require_bootstrap(settings)?;
    let mut owned = settings.clone();
    for (key, forced, reason) in CONSUMER_FORCED {
        match settings.get(key) {
            Some(value) if !value.eq_ignore_ascii_case(forced) => {
                return Err(ConfigError::invalid(kafka_key(key), value, *reason))
            }
            _ => {
                owned.set(*key, forced);
            }
        }
    }
    match settings.get("group.id") {
        Some(value) if value != group_id => {
            return Err(ConfigError::invalid(
                kafka_key("group.id"),
                value,
                format!(
                    "name the consumer group with `group_id` or a consumer_group route \
                     (this subscription belongs to `{group_id}`)"
                ),
            ))
        }
        _ => {
            owned.set("group.id", group_id);
        }
    }
    if settings.get("client.id").is_none() {
        owned.set("client.id", client_id);
    }
    if settings.get("auto.offset.reset").is_none() {
        owned.set("auto.offset.reset", auto_offset_reset);
    }
    for (key, value) in CONSUMER_DEFAULTS {
        if settings.get(key).is_none() {
            owned.set(*key, value);
        }
    }
    Ok(owned.to_client_config())
}

/// The librdkafka configuration of the producer: the shared settings without consumer-only
/// properties, durable defaults, then the producer's own overrides.
pub(crate) fn producer_config(
    settings: &KafkaSettings,
    overrides: &KafkaSettings,
    client_id: &str,
) -> Result<ClientConfig, ConfigError> {
    let mut shared = shared_settings(settings, client_id);
    for (key, value) in [("acks", "all"), ("enable.idempotence", "true")] {
        if shared.get(key).is_none() {
            shared.set(key, value);
        }
    }
    let merged = shared.merged(overrides);
    require_bootstrap(&merged)?;
    Ok(merged.to_client_config())
}

/// The librdkafka configuration of admin clients, which are used both as admin clients and as
/// group-less consumers: the shared settings without consumer-only properties and without the
/// producer's defaults, which a consumer would warn about.
pub(crate) fn admin_config(
    settings: &KafkaSettings,
    client_id: &str,
) -> Result<ClientConfig, ConfigError> {
    let shared = shared_settings(settings, client_id);
    require_bootstrap(&shared)?;
    Ok(shared.to_client_config())
}

/// The settings every client shares: the user's, without consumer-only properties, named
/// `client_id` unless they name themselves.
fn shared_settings(settings: &KafkaSettings, client_id: &str) -> KafkaSettings {
    let mut shared: KafkaSettings = settings
        .iter()
        .filter(|(key, _)| !CONSUMER_ONLY.iter().any(|prefix| key.starts_with(prefix)))
        .collect();
    if shared.get("client.id").is_none() {
        shared.set("client.id", client_id);
    }
    shared
}

fn require_bootstrap(settings: &KafkaSettings) -> Result<(), ConfigError> {
    match settings.get("bootstrap.servers") {
        Some(servers) if !servers.trim().is_empty() => Ok(()),
        _ => Err(ConfigError::Missing {
            key: kafka_key("bootstrap.servers"),
            hint: "list the brokers, e.g. `[kafka] \"bootstrap.servers\" = \"127.0.0.1:9092\"` in \
                   karafka.toml or KARAFKA_KAFKA__BOOTSTRAP_SERVERS=127.0.0.1:9092"
                .into(),
        }),
    }
}

/// Asks librdkafka to parse a configuration without creating a client, so unknown properties
/// and bad values are reported before anything connects.
pub(crate) fn check_with_librdkafka(config: &ClientConfig) -> Result<(), ConfigError> {
    config
        .create_native_config()
        .map(drop)
        .map_err(|error| ConfigError::Kafka(redact_kafka_error(error, config)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> KafkaSettings {
        [("bootstrap.servers", "127.0.0.1:9092")]
            .into_iter()
            .collect()
    }

    #[test]
    fn underscores_in_keys_read_as_dots() {
        let settings: KafkaSettings = [("bootstrap_servers", "h:1")].into_iter().collect();
        assert_eq!(settings.get("bootstrap.servers"), Some("h:1"));
    }

    #[test]
    fn consumer_config_forces_manual_offset_store() {
        let config = consumer_config(&base(), "g", "c", "earliest").unwrap();
        assert_eq!(config.get("enable.auto.offset.store"), Some("false"));
        assert_eq!(config.get("enable.auto.commit"), Some("false"));
        assert_eq!(config.get("group.id"), Some("g"));
        assert_eq!(config.get("auto.offset.reset"), Some("earliest"));
    }

    #[test]
    fn consumers_refresh_metadata_every_ten_seconds_unless_told_otherwise() {
        let config = consumer_config(&base(), "g", "c", "earliest").unwrap();
        assert_eq!(
            config.get("topic.metadata.refresh.interval.ms"),
            Some("10000")
        );
        let mut settings = base();
        settings.set("topic.metadata.refresh.interval.ms", 60_000);
        let config = consumer_config(&settings, "g", "c", "earliest").unwrap();
        assert_eq!(
            config.get("topic.metadata.refresh.interval.ms"),
            Some("60000")
        );
    }

    #[test]
    fn consumer_config_refuses_automatic_offset_store() {
        let mut settings = base();
        settings.set("enable.auto.offset.store", true);
        let error = consumer_config(&settings, "g", "c", "earliest").unwrap_err();
        let text = error.to_string();
        assert!(
            text.contains("kafka.\"enable.auto.offset.store\""),
            "{text}"
        );
        assert!(text.contains("at-least-once"), "{text}");
    }

    #[test]
    fn consumer_config_refuses_a_second_group_id() {
        let mut settings = base();
        settings.set("group.id", "other");
        let text = consumer_config(&settings, "g", "c", "earliest")
            .unwrap_err()
            .to_string();
        assert!(text.contains("kafka.\"group.id\""), "{text}");
    }

    #[test]
    fn producer_config_drops_consumer_properties_and_defaults_to_durability() {
        let mut settings = base();
        settings.set("session.timeout.ms", 6000);
        settings.set("fetch.max.bytes", 1000);
        settings.set("statistics.interval.ms", 1000);
        let config = producer_config(&settings, &KafkaSettings::new(), "c").unwrap();
        assert_eq!(config.get("session.timeout.ms"), None);
        assert_eq!(config.get("fetch.max.bytes"), None);
        assert_eq!(config.get("statistics.interval.ms"), None);
        assert_eq!(config.get("acks"), Some("all"));
        assert_eq!(config.get("enable.idempotence"), Some("true"));
    }

    #[test]
    fn admin_config_has_neither_consumer_nor_producer_properties() {
        let mut settings = base();
        settings.set("session.timeout.ms", 6000);
        let config = admin_config(&settings, "c").unwrap();
        assert_eq!(config.get("session.timeout.ms"), None);
        assert_eq!(config.get("acks"), None);
        assert_eq!(config.get("enable.idempotence"), None);
        assert_eq!(config.get("client.id"), Some("c"));
    }

    #[test]
    fn debug_output_hides_secret_values() {
        let mut settings = base();
        settings.set("sasl.password", "hunter22");
        let text = format!("{settings:?}");
        assert!(!text.contains("hunter22"), "{text}");
        assert!(text.contains("sasl.password"), "{text}");
        assert!(text.contains("127.0.0.1:9092"), "{text}");
    }

    #[test]
    fn a_refused_secret_setting_is_named_without_its_value() {
        let mut settings = base();
        settings.set("sasl.oauthbearer.method", "oidc");
        settings.set("sasl.oauthbearer.client.secret", "oauthsecret");
        settings.set("ssl.key.password", "hunter22");
        settings.set("no.such.property", "oauthsecret");
        let config = consumer_config(&settings, "g", "c", "earliest").unwrap();
        let text = check_with_librdkafka(&config).unwrap_err().to_string();
        assert!(!text.contains("oauthsecret"), "{text}");
        assert!(!text.contains("hunter22"), "{text}");
    }

    #[test]
    fn missing_bootstrap_servers_is_named() {
        let text = consumer_config(&KafkaSettings::new(), "g", "c", "earliest")
            .unwrap_err()
            .to_string();
        assert!(text.contains("kafka.\"bootstrap.servers\""), "{text}");
    }
}
