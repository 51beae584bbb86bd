//! Which cluster a client connects to: the brokers and the security settings of a `kafka` map.
//!
//! A route's `kafka` settings laid over the app's `[kafka]` may name another cluster. Everything
//! that touches the route's topics (its consumer, its dead-letter producer, the `topics` and
//! `consumer-groups` commands, [`Admin::for_cluster`](crate::admin::Admin::for_cluster)) connects
//! to that cluster, and routes naming the same cluster share one producer and one admin client.
//! Pure: the clients are built elsewhere from [`Cluster::client_settings`].

use std::fmt;

use super::KafkaSettings;

/// Settings (exact names) that say which brokers a client reaches.
const SERVERS: &[&str] = &["bootstrap.servers", "metadata.broker.list"];

/// Prefixes of the settings that say how a client authenticates and encrypts: a cluster reached
/// as another user, or with other certificates, is another set of connections, so another
/// cluster here. Tuning (`fetch.*`, `linger.ms`, timeouts, ...) is no part of a cluster.
const SECURITY_PREFIXES: &[&str] = &[
    "security.protocol",
    "sasl.",
    "ssl.",
    "enable.ssl.",
    "enable.sasl.",
];

/// Whether the librdkafka property `key` says which cluster a client connects to, or how.
fn is_connection_setting(key: &str) -> bool {
    SERVERS.contains(&key)
        || SECURITY_PREFIXES
            .iter()
            .any(|prefix| key.starts_with(prefix))
}

/// One Kafka cluster as clients reach it: its `bootstrap.servers` and security settings (the
/// connection settings of a `kafka` map, nothing else).
///
/// Two maps name the same cluster when their connection settings are equal, the broker list
/// compared as a set (order, spaces, repeats and the case of host names aside) and
/// `security.protocol` without regard to case. Its `Debug` output hides secret values.
#[derive(Clone)]
pub struct Cluster {
    /// The connection settings as written, which clients of the cluster get.
    settings: KafkaSettings,
    /// The same settings compared: the broker list sorted, lowercase and without repeats.
    identity: KafkaSettings,
}

impl Cluster {
    /// The cluster `settings` connect to (an app's `[kafka]`, or a route's settings laid over
    /// them).
    pub fn of(settings: &KafkaSettings) -> Self {
        let settings: KafkaSettings = settings
            .iter()
            .filter(|(key, _)| is_connection_setting(key))
            .collect();
        let mut identity = KafkaSettings::new();
        for (key, value) in settings.iter() {
            match key {
                // librdkafka reads `metadata.broker.list` as an alias of `bootstrap.servers`.
                "bootstrap.servers" | "metadata.broker.list" => {
                    identity.set("bootstrap.servers", broker_set(value));
                }
                "security.protocol" => {
                    identity.set(key, value.to_ascii_lowercase());
                }
                _ => {
                    identity.set(key, value);
                }
            }
        }
        Self { settings, identity }
    }

    /// The brokers, as written (empty when unset).
    pub fn servers(&self) -> &str {
        SERVERS
            .iter()
            .find_map(|key| self.settings.get(key))
            .unwrap_or_default()
    }

    /// The connection settings of the cluster.
    pub fn settings(&self) -> &KafkaSettings {
        &self.settings
    }

    /// The settings of a client of this cluster: `base` (the app's `[kafka]`, or the producer's
    /// overrides) without its connection settings, with this cluster's laid over them.
    pub fn client_settings(&self, base: &KafkaSettings) -> KafkaSettings {
        let tuning: KafkaSettings = base
            .iter()
            .filter(|(key, _)| !is_connection_setting(key))
            .collect();
        tuning.merged(&self.settings)
    }
}

impl PartialEq for Cluster {
    fn eq(&self, other: &Self) -> bool {
        self.identity == other.identity
    }
}

impl Eq for Cluster {}

impl fmt::Debug for Cluster {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Cluster").field(&self.settings).finish()
    }
}

impl fmt::Display for Cluster {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.servers() {
            "" => f.write_str("(no bootstrap.servers)"),
            servers => f.write_str(servers),
        }
    }
}

/// A broker list compared as a set: entries trimmed, lowercase, sorted, each once.
fn broker_set(servers: &str) -> String {
    let mut brokers: Vec<String> = servers
        .split(',')
        .map(|broker| broker.trim().to_ascii_lowercase())
        .filter(|broker| !broker.is_empty())
        .collect();
    brokers.sort();
    brokers.dedup();
    brokers.join(",")
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> KafkaSettings {
        pairs.iter().copied().collect()
    }

    #[test]
    fn brokers_and_security_make_the_cluster_tuning_does_not() {
        let main = settings(&[("bootstrap.servers", "a:9092"), ("fetch.max.bytes", "1000")]);
        let tuned = settings(&[
            ("bootstrap.servers", "a:9092"),
            ("fetch.max.bytes", "5"),
            ("linger.ms", "5"),
        ]);
        assert_eq!(Cluster::of(&main), Cluster::of(&tuned));
        let other = settings(&[("bootstrap.servers", "b:9092")]);
        assert_ne!(Cluster::of(&main), Cluster::of(&other));
        let secured = settings(&[
            ("bootstrap.servers", "a:9092"),
            ("security.protocol", "SASL_SSL"),
            ("sasl.username", "billing"),
        ]);
        assert_ne!(Cluster::of(&main), Cluster::of(&secured));
        assert_eq!(
            Cluster::of(&secured).settings().get("fetch.max.bytes"),
            None
        );
    }

    #[test]
    fn the_alias_of_bootstrap_servers_names_the_same_brokers() {
        let alias = settings(&[("metadata.broker.list", "B:1, a:2")]);
        let plain = settings(&[("bootstrap.servers", "a:2,b:1")]);
        assert_eq!(Cluster::of(&alias), Cluster::of(&plain));
        assert_eq!(Cluster::of(&alias).servers(), "B:1, a:2");
    }

    #[test]
    fn a_client_keeps_the_apps_tuning_and_takes_the_clusters_connection() {
        let app = settings(&[
            ("bootstrap.servers", "a:9092"),
            ("security.protocol", "sasl_ssl"),
            ("sasl.password", "hunter22"),
            ("socket.timeout.ms", "3000"),
        ]);
        let second = Cluster::of(&settings(&[("bootstrap.servers", "b:9392")]));
        let client = second.client_settings(&app);
        assert_eq!(client.get("bootstrap.servers"), Some("b:9392"));
        assert_eq!(client.get("socket.timeout.ms"), Some("3000"));
        assert_eq!(client.get("security.protocol"), None);
        assert_eq!(client.get("sasl.password"), None);
    }

    #[test]
    fn debug_and_display_hide_secrets() {
        let cluster = Cluster::of(&settings(&[
            ("bootstrap.servers", "a:9092"),
            ("sasl.password", "hunter22"),
        ]));
        let shown = format!("{cluster:?} {cluster}");
        assert!(!shown.contains("hunter22"), "{shown}");
        assert!(shown.contains("a:9092"), "{shown}");
    }

    fn broker() -> impl Strategy<Value = String> {
        ("[a-cA-C]{1,3}", 1u16..4).prop_map(|(host, port)| format!("{host}:{port}"))
    }

    /// Up to three settings, each one of `keys` with a value matching `values`.
    fn pairs(
        keys: Vec<&'static str>,
        values: &'static str,
    ) -> impl Strategy<Value = Vec<(String, String)>> {
        prop::collection::vec(
            (prop::sample::select(keys), values).prop_map(|(key, value)| (key.to_owned(), value)),
            0..4,
        )
    }

    fn tuning() -> impl Strategy<Value = Vec<(String, String)>> {
        let keys = vec![
            "fetch.max.bytes",
            "linger.ms",
            "session.timeout.ms",
            "client.id",
            "socket.timeout.ms",
            "statistics.interval.ms",
        ];
        pairs(keys, "[0-9]{1,4}")
    }

    fn security() -> impl Strategy<Value = Vec<(String, String)>> {
        let keys = vec![
            "security.protocol",
            "sasl.mechanism",
            "sasl.username",
            "sasl.password",
            "ssl.ca.location",
            "enable.ssl.certificate.verification",
        ];
        pairs(keys, "[a-z]{1,4}")
    }

    fn with(
        brokers: &[String],
        pairs: impl IntoIterator<Item = (String, String)>,
    ) -> KafkaSettings {
        let mut settings: KafkaSettings = pairs.into_iter().collect();
        settings.set("bootstrap.servers", brokers.join(","));
        settings
    }

    proptest! {
        /// The broker list is a set: its order, spaces, repeats and case change nothing.
        #[test]
        fn the_broker_list_is_compared_as_a_set(
            brokers in prop::collection::vec(broker(), 1..5),
            security in security(),
            turn in 0usize..8,
        ) {
            let mut shuffled: Vec<String> = brokers
                .iter()
                .chain(brokers.iter().take(1))
                .map(|broker| format!(" {} ", broker.to_ascii_uppercase()))
                .collect();
            let len = shuffled.len();
            shuffled.rotate_left(turn % len);
            prop_assert_eq!(
                Cluster::of(&with(&brokers, security.clone())),
                Cluster::of(&with(&shuffled, security))
            );
        }

        /// Tuning settings never make another cluster.
        #[test]
        fn tuning_never_makes_another_cluster(
            brokers in prop::collection::vec(broker(), 1..4),
            security in security(),
            tuning in tuning(),
        ) {
            let bare = with(&brokers, security.clone());
            let tuned = with(&brokers, security.into_iter().chain(tuning));
            prop_assert_eq!(Cluster::of(&bare), Cluster::of(&tuned));
        }

        /// A different connection setting is a different cluster.
        #[test]
        fn another_connection_setting_is_another_cluster(
            brokers in prop::collection::vec(broker(), 1..4),
            security in security(),
            changed in security().prop_filter("one setting", |pairs| !pairs.is_empty()),
        ) {
            let before = with(&brokers, security.clone());
            let after = with(&brokers, security.into_iter().chain(changed));
            let differs = after.iter().any(|(key, value)| {
                before.get(key).is_none_or(|old| {
                    // security.protocol is compared without regard to case.
                    !(old == value
                        || key == "security.protocol" && old.eq_ignore_ascii_case(value))
                })
            });
            prop_assert_eq!(Cluster::of(&before) != Cluster::of(&after), differs);
        }

        /// A client built for a cluster connects to that cluster, whatever the base settings.
        #[test]
        fn a_clusters_client_connects_to_it(
            brokers in prop::collection::vec(broker(), 1..4),
            security in security(),
            base_brokers in prop::collection::vec(broker(), 1..4),
            base in security(),
            tuning in tuning(),
        ) {
            let cluster = Cluster::of(&with(&brokers, security));
            let base = with(&base_brokers, base.into_iter().chain(tuning.clone()));
            let client = cluster.client_settings(&base);
            prop_assert_eq!(Cluster::of(&client), cluster);
            for (key, _) in tuning {
                prop_assert_eq!(client.get(&key), base.get(&key));
            }
        }
    }
}
