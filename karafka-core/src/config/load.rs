//! Loading settings with figment: defaults, then `karafka.toml`, then `KARAFKA_*` variables.

use std::path::Path;

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;

use super::{Config, ConfigError};

/// The file [`Config::load`] reads, relative to the working directory.
pub const DEFAULT_CONFIG_FILE: &str = "karafka.toml";

/// The prefix of the environment variables that hold settings.
pub(crate) const ENV_PREFIX: &str = "KARAFKA_";

/// The top-level settings' names (`concurrency`, `kafka`, ...), as `KARAFKA_*` variables spell
/// them after the prefix (lowercased, up to the first `__`).
fn setting_names() -> Vec<String> {
    match serde_json::to_value(Config::default()) {
        Ok(serde_json::Value::Object(settings)) => settings.keys().cloned().collect(),
        // `Config` serializes to a map of its fields, always.
        _ => Vec::new(),
    }
}

/// The first segment of a `KARAFKA_*` variable's key after the prefix: the setting it is for.
fn setting_of(key: &str) -> String {
    key.split("__")
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase()
}

/// `KARAFKA_*` variables that name no setting (`KARAFKA_ENV`, which Ruby's Karafka reads):
/// left out of the settings, with a warning, instead of stopping the app.
pub(crate) fn ignored_variables() -> Vec<String> {
    let names = setting_names();
    std::env::vars_os()
        .filter_map(|(name, _)| name.into_string().ok())
        .filter(|name| {
            name.strip_prefix(ENV_PREFIX)
                .is_some_and(|key| !key.is_empty() && !names.contains(&setting_of(key)))
        })
        .collect()
}

impl Config {
    /// Loads and validates the settings from `karafka.toml` in the working directory (if
    /// present) and the `KARAFKA_*` environment variables.
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
        for variable in ignored_variables() {
            tracing::warn!(
                "Ignoring environment variable {variable}: no setting is called that \
                 (settings are read from {ENV_PREFIX}<SETTING>, e.g. {ENV_PREFIX}CONCURRENCY)"
            );
        }
        Self::from_figment(Self::figment(path))
    }

    /// The figment behind [`Config::load_from`], for apps that add providers of their own.
    /// `KARAFKA_*` variables that name no setting are left out.
    pub fn figment(path: impl AsRef<Path>) -> Figment {
        let names = setting_names();
        let variables = Env::prefixed(ENV_PREFIX)
            .filter(move |key| names.contains(&setting_of(key.as_str())))
            .split("__");
        Figment::from(Serialized::defaults(Config::default()))
            .merge(Toml::file(path))
            .merge(variables)
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

    #[test]
    fn max_memory_is_read_with_its_unit_or_in_bytes() {
        Jail::expect_with(|jail| {
            jail.create_file(
                "karafka.toml",
                "max_memory = \"64 MiB\"\n[kafka]\n\"bootstrap.servers\" = \"h:1\"",
            )?;
            let config = Config::load().expect("valid settings");
            assert_eq!(config.max_memory, Some(crate::config::ByteSize::mib(64)));
            jail.set_env("KARAFKA_MAX_MEMORY", "1048576");
            let config = Config::load().expect("valid settings");
            assert_eq!(config.max_memory, Some(crate::config::ByteSize::mib(1)));
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
        assert!(message.contains("`max_messages`"), "{message}");
        assert!(message.contains("karafka.toml"), "{message}");
        assert!(!message.contains("default."), "{message}");
    }

    #[test]
    fn variables_that_name_no_setting_are_ignored() {
        Jail::expect_with(|jail| {
            jail.set_env("KARAFKA_KAFKA__BOOTSTRAP_SERVERS", "h:1");
            jail.set_env("KARAFKA_ENV", "production");
            jail.set_env("KARAFKA_CONCURRENCY", "3");
            let config = Config::load().expect("KARAFKA_ENV is not a setting");
            assert_eq!(config.concurrency, 3);
            let ignored = ignored_variables();
            assert!(ignored.contains(&"KARAFKA_ENV".to_owned()), "{ignored:?}");
            assert!(
                !ignored
                    .iter()
                    .any(|v| v == "KARAFKA_CONCURRENCY" || v.starts_with("KARAFKA_KAFKA")),
                "{ignored:?}"
            );
            Ok(())
        });
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
            assert!(
                message.contains("environment variable KARAFKA_MAX_WAIT_TIME"),
                "{message}"
            );
            Ok(())
        });
    }
}
