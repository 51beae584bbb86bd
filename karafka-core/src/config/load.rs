//! Loading settings with figment: defaults, then `karafka.toml`, then `KARAFKA_*` variables.

use std::path::Path;

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;

use super::{Config, ConfigError};

/// The file [`Config::load`] reads, relative to the working directory.
pub const DEFAULT_CONFIG_FILE: &str = "karafka.toml";

impl Config {
    /// Loads and validates the settings from [`DEFAULT_CONFIG_FILE`] (if present) and the
    /// `KARAFKA_*` environment variables.
    ///
    /// # Errors
    /// A [`ConfigError`] naming the first bad key: unknown, of the wrong type, or refused.
    pub fn load() -> Result<Self, ConfigError> {
        Self::load_from(DEFAULT_CONFIG_FILE)
    }

    /// Like [`Config::load`], reading the TOML file at `path` (a missing file is skipped).
    ///
    /// # Errors
    /// A [`ConfigError`] naming the first bad key.
    pub fn load_from(path: impl AsRef<Path>) -> Result<Self, ConfigError> {
        Self::from_figment(Self::figment(path))
    }

    /// The figment behind [`Config::load_from`], for apps that add providers of their own.
    pub fn figment(path: impl AsRef<Path>) -> Figment {
        Figment::from(Serialized::defaults(Config::default()))
            .merge(Toml::file(path))
            .merge(Env::prefixed("KARAFKA_").split("__"))
    }

    /// Extracts and validates settings from any figment.
    ///
    /// # Errors
    /// A [`ConfigError`] naming the first bad key.
    pub fn from_figment(figment: Figment) -> Result<Self, ConfigError> {
        let config: Config = figment.extract().map_err(Box::new)?;
        config.validate()?;
        Ok(config)
    }
}

#[cfg(test)]
// figment's Jail closures return figment's own (large) error type.
#[allow(clippy::result_large_err)]
mod tests {
    use std::time::Duration;

    use figment::Jail;

    use super::*;
    use crate::config::InitialOffset;

    #[test]
    fn file_then_environment_override_defaults() {
        Jail::expect_with(|jail| {
            jail.create_file(
                "karafka.toml",
                r#"
                    concurrency = 3
                    max_wait_time = 250
                    initial_offset = "latest"
                    [kafka]
                    "bootstrap.servers" = "127.0.0.1:9092"
                    "fetch.max.bytes" = 1048576
                "#,
            )?;
            jail.set_env("KARAFKA_CONCURRENCY", "7");
            jail.set_env("KARAFKA_KAFKA__SESSION_TIMEOUT_MS", "6000");
            let config = Config::load().expect("valid settings");
            assert_eq!(config.concurrency, 7);
            assert_eq!(config.max_wait_time, Duration::from_millis(250));
            assert_eq!(config.initial_offset, InitialOffset::Latest);
            assert_eq!(config.max_messages, 100);
            assert_eq!(config.kafka.get("fetch.max.bytes"), Some("1048576"));
            assert_eq!(config.kafka.get("session.timeout.ms"), Some("6000"));
            Ok(())
        });
    }

    fn load_error(toml: &str) -> String {
        let mut message = String::new();
        Jail::expect_with(|jail| {
            jail.create_file("karafka.toml", toml)?;
            message = Config::load()
                .expect_err("settings must be refused")
                .to_string();
            Ok(())
        });
        message
    }

    #[test]
    fn unknown_key_is_named() {
        let message = load_error("concurrenc = 3\n[kafka]\n\"bootstrap.servers\" = \"h:1\"");
        assert!(message.contains("concurrenc"), "{message}");
    }

    #[test]
    fn wrong_type_is_named() {
        let message =
            load_error("max_messages = \"many\"\n[kafka]\n\"bootstrap.servers\" = \"h:1\"");
        assert!(message.contains("max_messages"), "{message}");
    }

    #[test]
    fn broken_at_least_once_setting_is_named() {
        let message = load_error(
            "[kafka]\n\"bootstrap.servers\" = \"h:1\"\n\"enable.auto.offset.store\" = true",
        );
        assert!(message.contains("enable.auto.offset.store"), "{message}");
    }

    #[test]
    fn a_bad_variable_is_named_by_its_setting() {
        Jail::expect_with(|jail| {
            jail.set_env("KARAFKA_KAFKA__BOOTSTRAP_SERVERS", "h:1");
            jail.set_env("KARAFKA_MAX_WAIT_TIME", "later");
            let message = Config::load().expect_err("refused").to_string();
            assert!(message.contains("`max_wait_time`"), "{message}");
            assert!(message.contains("later"), "{message}");
            Ok(())
        });
    }
}
