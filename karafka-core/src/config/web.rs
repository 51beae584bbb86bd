//! Settings of the web UI (the `karafka-web` crate): reporting into Kafka, the UI's address, and
//! who may send commands.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{millis, ConfigError, Secret};

/// The `[web]` settings. Names follow karafka-web where it has them (its topics, `tracking`
/// interval of 5 s).
///
/// ```toml
/// [web]
/// enabled = true                 # this server reports to Kafka and takes commands
/// address = "127.0.0.1:3000"     # where `my_app web` serves the UI
/// token = "change-me"            # commands and replays need `Authorization: Bearer change-me`
/// hidden_payloads = ["payments"] # never shown in the explorer nor the dead letters
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebConfig {
    /// Whether the server reports its state and errors to Kafka and consumes the commands topic.
    /// Default false.
    pub enabled: bool,
    /// Where the UI listens, `ip:port`. Default `127.0.0.1:3000`.
    pub address: String,
    /// Whether the server process also serves the UI on `address`. Default false.
    pub serve_in_server: bool,
    /// How often a process reports. Default 5000 ms.
    #[serde(with = "millis")]
    pub report_interval: Duration,
    /// How far back the UI's charts reach. Default 3600000 ms (one hour).
    #[serde(with = "millis")]
    pub history: Duration,
    /// Where processes report their state. Default `karafka_consumers_reports`.
    pub reports_topic: String,
    /// Where processes report errors. Default `karafka_errors`.
    pub errors_topic: String,
    /// Where the UI sends commands and processes answer. Default `karafka_consumers_commands`.
    pub commands_topic: String,
    /// How many times one message may be replayed from a dead-letter topic; more are refused,
    /// so a poison message cannot loop. Default 3.
    pub max_replays: u32,
    /// The bearer token that commands and replays must carry. Commands are refused when neither
    /// a token nor a username and password are set.
    pub token: Option<Secret>,
    /// The basic-auth user name that commands and replays may carry instead of the token.
    pub username: Option<String>,
    /// The basic-auth password of `username`.
    pub password: Option<Secret>,
    /// Whether the read-only pages need the credential too. Default false.
    pub protect_pages: bool,
    /// Topics whose payloads the UI never shows.
    pub hidden_payloads: BTreeSet<String>,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            address: "127.0.0.1:3000".into(),
            serve_in_server: false,
            report_interval: Duration::from_millis(5_000),
            history: Duration::from_millis(3_600_000),
            reports_topic: "karafka_consumers_reports".into(),
            errors_topic: "karafka_errors".into(),
            commands_topic: "karafka_consumers_commands".into(),
            max_replays: 3,
            token: None,
            username: None,
            password: None,
            protect_pages: false,
            hidden_payloads: BTreeSet::new(),
        }
    }
}

impl WebConfig {
    /// The address to listen on.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] naming `web.address` when it is not `ip:port`.
    pub fn socket_address(&self) -> Result<SocketAddr, ConfigError> {
        super::address::socket_address("web.address", &self.address, "127.0.0.1:3000")
    }

    /// Whether a credential for commands is set.
    pub fn has_credential(&self) -> bool {
        self.token.is_some() || self.password.is_some()
    }

    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        self.socket_address()?;
        for (key, value) in [
            ("web.report_interval", self.report_interval),
            ("web.history", self.history),
        ] {
            if value.is_zero() {
                return Err(ConfigError::invalid(key, 0, "must be at least 1 ms"));
            }
        }
        for (key, topic) in [
            ("web.reports_topic", &self.reports_topic),
            ("web.errors_topic", &self.errors_topic),
            ("web.commands_topic", &self.commands_topic),
        ] {
            if !is_topic_name(topic) {
                return Err(ConfigError::invalid(
                    key,
                    format!("{topic:?}"),
                    "must be a Kafka topic name: 1 to 249 of a-z, A-Z, 0-9, '.', '_' and '-'",
                ));
            }
        }
        if self.max_replays == 0 {
            return Err(ConfigError::invalid(
                "web.max_replays",
                0,
                "must be at least 1 (replaying is refused otherwise)",
            ));
        }
        if self
            .token
            .as_ref()
            .is_some_and(|token| token.expose().is_empty())
        {
            return Err(ConfigError::invalid(
                "web.token",
                "\"\"",
                "must not be empty",
            ));
        }
        match (&self.username, &self.password) {
            (Some(_), None) => Err(ConfigError::invalid(
                "web.password",
                "none",
                "must be set with web.username",
            )),
            (None, Some(_)) => Err(ConfigError::invalid(
                "web.username",
                "none",
                "must be set with web.password",
            )),
            (Some(user), Some(_)) if user.is_empty() || user.contains(':') => {
                Err(ConfigError::invalid(
                    "web.username",
                    format!("{user:?}"),
                    "must be non-empty and without ':'",
                ))
            }
            _ => Ok(()),
        }
    }
}

fn is_topic_name(name: &str) -> bool {
    (1..=249).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(config: &WebConfig) -> String {
        config.validate().expect_err("refused").to_string()
    }

    #[test]
    fn defaults_are_valid_and_refuse_commands() {
        let config = WebConfig::default();
        config.validate().expect("valid");
        assert!(!config.has_credential());
    }

    #[test]
    fn each_bad_setting_is_named() {
        let cases = [
            (
                WebConfig {
                    address: "localhost".into(),
                    ..WebConfig::default()
                },
                "web.address",
            ),
            (
                WebConfig {
                    report_interval: Duration::ZERO,
                    ..WebConfig::default()
                },
                "web.report_interval",
            ),
            (
                WebConfig {
                    errors_topic: "bad topic".into(),
                    ..WebConfig::default()
                },
                "web.errors_topic",
            ),
            (
                WebConfig {
                    max_replays: 0,
                    ..WebConfig::default()
                },
                "web.max_replays",
            ),
            (
                WebConfig {
                    token: Some(Secret::new("")),
                    ..WebConfig::default()
                },
                "web.token",
            ),
            (
                WebConfig {
                    username: Some("admin".into()),
                    ..WebConfig::default()
                },
                "web.password",
            ),
        ];
        for (config, key) in cases {
            let text = error(&config);
            assert!(text.contains(key), "{key} in {text}");
        }
    }

    #[test]
    fn a_password_is_never_in_the_error() {
        let config = WebConfig {
            username: Some("ad:min".into()),
            password: Some(Secret::new("hunter2")),
            ..WebConfig::default()
        };
        let text = error(&config);
        assert!(text.contains("web.username"), "{text}");
        assert!(!text.contains("hunter2"), "{text}");
    }
}
