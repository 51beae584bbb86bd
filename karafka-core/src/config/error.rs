//! Errors raised while loading or validating settings.

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

/// figment names the key as its source spells it (`MAX_WAIT_TIME` for a variable); lead with
/// the setting's own name, as `karafka.toml` and the README write it.
fn describe_load(error: &figment::Error) -> String {
    if error.path.is_empty() {
        error.to_string()
    } else {
        format!("`{}`: {error}", error.path.join("."))
    }
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
