//! Which settings hold secrets, and keeping their values out of every message.
//!
//! librdkafka's configuration errors quote the property and its value (`"… not supported in this
//! build" sasl.oauthbearer.client.secret <the secret>`), so every librdkafka error that carries
//! text passes through [`redact_kafka_error`] before anything prints it.

use rdkafka::error::KafkaError;
use rdkafka::ClientConfig;

/// Parts of librdkafka property names whose values are secrets: credentials, tokens and key
/// material (`sasl.password`, `sasl.oauthbearer.client.secret`, `ssl.key.pem`,
/// `ssl.keystore.password`, `sasl.kerberos.keytab`, …).
const SECRET_MARKERS: &[&str] = &[
    "password",
    "secret",
    "token",
    "credential",
    "jaas",
    "ssl.key.",
    "keystore",
    "keytab",
    "sasl.username",
    "sasl.oauthbearer.config",
    "sasl.oauthbearer.extensions",
];

/// What a secret's value is replaced with.
pub(crate) const REDACTED: &str = "[REDACTED]";

/// Whether the value of the librdkafka property `key` is a secret.
pub(crate) fn is_secret(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    SECRET_MARKERS.iter().any(|marker| key.contains(marker))
}

/// `value`, or [`REDACTED`] when `key` names a secret.
pub(crate) fn shown<'a>(key: &str, value: &'a str) -> &'a str {
    if is_secret(key) {
        REDACTED
    } else {
        value
    }
}

/// `text` with every occurrence of each (non-empty) secret replaced by [`REDACTED`].
fn scrub(text: &str, secrets: &[&str]) -> String {
    let mut text = text.to_owned();
    // Longest first, so a secret that contains another is replaced whole.
    let mut secrets: Vec<&str> = secrets.iter().copied().filter(|s| !s.is_empty()).collect();
    secrets.sort_by_key(|secret| std::cmp::Reverse(secret.len()));
    for secret in secrets {
        text = text.replace(secret, REDACTED);
    }
    text
}

/// `text` without the value of any secret property of `config`.
pub(crate) fn redact_text(text: &str, config: &ClientConfig) -> String {
    scrub(text, &secret_values(config))
}

/// The values of the secret properties of `config`.
fn secret_values(config: &ClientConfig) -> Vec<&str> {
    // `config_map` masks some secrets itself, so read each value with `get`.
    config
        .config_map()
        .into_keys()
        .filter(|key| is_secret(key))
        .filter_map(|key| config.get(key))
        .collect()
}

/// `error` without the value of any secret property of `config`, nor of the property it names
/// when that is a secret.
pub(crate) fn redact_kafka_error(error: KafkaError, config: &ClientConfig) -> KafkaError {
    let mut secrets = secret_values(config);
    match error {
        KafkaError::ClientConfig(code, description, key, value) => {
            if is_secret(&key) {
                secrets.push(&value);
            }
            let description = scrub(&description, &secrets);
            let value = scrub(&value, &secrets);
            KafkaError::ClientConfig(code, description, key, value)
        }
        KafkaError::ClientCreation(text) => KafkaError::ClientCreation(scrub(&text, &secrets)),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use rdkafka::types::RDKafkaConfRes;

    use super::*;

    #[test]
    fn credentials_tokens_and_key_material_are_secrets() {
        for key in [
            "sasl.password",
            "sasl.username",
            "sasl.oauthbearer.client.secret",
            "sasl.oauthbearer.config",
            "ssl.key.pem",
            "ssl.key.password",
            "ssl.keystore.password",
            "ssl.keystore.location",
            "sasl.kerberos.keytab",
            "SASL.PASSWORD",
        ] {
            assert!(is_secret(key), "{key}");
        }
        for key in [
            "bootstrap.servers",
            "sasl.mechanism",
            "security.protocol",
            "ssl.ca.location",
            "session.timeout.ms",
        ] {
            assert!(!is_secret(key), "{key}");
        }
    }

    #[test]
    fn a_config_error_keeps_its_key_and_loses_the_secret() {
        let mut config = ClientConfig::new();
        config
            .set("bootstrap.servers", "h:1")
            .set("sasl.password", "hunter22");
        let error = KafkaError::ClientConfig(
            RDKafkaConfRes::RD_KAFKA_CONF_INVALID,
            "\"sasl.oauthbearer.client.secret\" not supported in this build".into(),
            "sasl.oauthbearer.client.secret".into(),
            "oauthsecret".into(),
        );
        let text = redact_kafka_error(error, &config).to_string();
        assert!(!text.contains("oauthsecret"), "{text}");
        assert!(text.contains("sasl.oauthbearer.client.secret"), "{text}");
        assert!(text.contains(REDACTED), "{text}");

        let error = KafkaError::ClientCreation("login as hunter22 failed".into());
        let text = redact_kafka_error(error, &config).to_string();
        assert!(!text.contains("hunter22"), "{text}");
    }

    #[test]
    fn other_values_are_kept() {
        let error = KafkaError::ClientConfig(
            RDKafkaConfRes::RD_KAFKA_CONF_INVALID,
            "Invalid value".into(),
            "session.timeout.ms".into(),
            "soon".into(),
        );
        let text = redact_kafka_error(error, &ClientConfig::new()).to_string();
        assert!(text.contains("soon"), "{text}");
    }

    proptest! {
        #[test]
        fn no_secret_survives_scrubbing(
            text in ".{0,60}",
            secrets in proptest::collection::vec("[a-zA-Z0-9]{1,8}", 0..4),
            at in 0usize..60,
        ) {
            // Plant each secret in the text somewhere.
            let mut planted = text;
            for secret in &secrets {
                let index = planted.char_indices().map(|(i, _)| i).nth(at).unwrap_or(planted.len());
                planted.insert_str(index, secret);
            }
            let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
            let scrubbed = scrub(&planted, &secrets);
            for secret in secrets {
                // A secret that is part of the marker itself cannot be told apart from it.
                if !REDACTED.contains(secret) {
                    prop_assert!(
                        !scrubbed.contains(secret),
                        "{secret:?} in {scrubbed:?}"
                    );
                }
            }
        }
    }
}
