//! Errors raised while loading or validating settings.

use std::fmt::Write as _;

use super::ENV_PREFIX;

/// A setting that cannot be used, named by its key.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The sources could not be read or did not match the settings' shape: an unknown key, a
    /// value of the wrong type, a malformed `karafka.toml`. The message names the key and source.
    #[error("invalid configuration: {}", describe_load(.0))]
    Load(Box<figment::Error>),

    /// A value is of the right type but outside what the framework allows.
    #[error("invalid configuration: `{key}` = {value}: {expected}")]
    Invalid {
        /// The setting's key, as written in `karafka.toml` (`kafka."enable.auto.commit"` for
        /// librdkafka settings).
        key: String,
        /// The value that was given (`[REDACTED]` for a secret).
        value: String,
        /// What is allowed instead, and why.
        expected: String,
    },

    /// A required setting is absent.
    #[error("invalid configuration: `{key}` is required: {hint}")]
    Missing {
        /// The setting's key.
        key: String,
        /// How to provide it.
        hint: String,
    },

    /// librdkafka refused a setting (unknown property or bad value).
    #[error("invalid configuration: librdkafka refused the `kafka` settings: {0}")]
    Kafka(rdkafka::error::KafkaError),
}

/// Leads with the setting's own name, as `karafka.toml` and the README write it, then says what
/// is wrong and where the value came from: the file, or the variable by its full name. (figment's
/// own message names the key with its profile, `default.max_messages`, and a variable without
/// its prefix.)
fn describe_load(error: &figment::Error) -> String {
    let mut text = String::new();
    if !error.path.is_empty() {
        let _ = write!(text, "`{}`: ", error.path.join("."));
    }
    let _ = write!(text, "{}", error.kind);
    match &error.metadata {
        Some(metadata)
            if metadata.name.contains("environment variable") && !error.path.is_empty() =>
        {
            let variable: Vec<String> = error
                .path
                .iter()
                .map(|key| key.to_ascii_uppercase())
                .collect();
            let _ = write!(
                text,
                " (environment variable {ENV_PREFIX}{})",
                variable.join("__")
            );
        }
        Some(metadata) => match &metadata.source {
            Some(source) => {
                let _ = write!(text, " (in {source})");
            }
            None => {
                let _ = write!(text, " (in {})", metadata.name);
            }
        },
        None => {}
    }
    text
}

impl From<Box<figment::Error>> for ConfigError {
    fn from(error: Box<figment::Error>) -> Self {
        Self::Load(error)
    }
}

impl ConfigError {
    /// `key` has a value outside what is allowed; the value is shown unless `key` is a secret.
    pub(crate) fn invalid(
        key: impl Into<String>,
        value: impl std::fmt::Display,
        expected: impl Into<String>,
    ) -> Self {
        let key = key.into();
        let value = value.to_string();
        Self::Invalid {
            value: super::shown(&key, &value).to_owned(),
            key,
            expected: expected.into(),
        }
    }
}
