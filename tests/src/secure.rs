//! The test broker's secured listeners (`scripts/kafka up` starts them): SASL_SSL on 9094 and
//! SASL_PLAINTEXT on 9095 with a SCRAM-SHA-512 user, OAUTHBEARER with unsecured JWTs on 9096.

use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use karafka::config::OAuthToken;
use karafka::Config;

use crate::config;

/// The SCRAM-SHA-512 user `scripts/kafka` creates.
pub const SCRAM_USER: &str = "karafka-test";
/// Its password (a test credential of the loopback broker).
pub const SCRAM_PASSWORD: &str = "karafka-test-secret";

/// A secured listener of the test broker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Secured {
    /// SCRAM-SHA-512 over TLS, port 9094.
    SaslSsl,
    /// SCRAM-SHA-512 in the clear, port 9095.
    SaslPlaintext,
}

impl Secured {
    /// The listener's address.
    pub fn address(self) -> &'static str {
        match self {
            Self::SaslSsl => "127.0.0.1:9094",
            Self::SaslPlaintext => "127.0.0.1:9095",
        }
    }

    /// Its `security.protocol`.
    pub fn protocol(self) -> &'static str {
        match self {
            Self::SaslSsl => "SASL_SSL",
            Self::SaslPlaintext => "SASL_PLAINTEXT",
        }
    }

    /// Every `kafka` setting a client needs to log in there, as `(key, value)`.
    pub fn settings(self) -> Vec<(&'static str, String)> {
        let mut settings = vec![
            ("bootstrap.servers", self.address().to_owned()),
            ("security.protocol", self.protocol().to_owned()),
            ("sasl.mechanism", "SCRAM-SHA-512".to_owned()),
            ("sasl.username", SCRAM_USER.to_owned()),
            ("sasl.password", SCRAM_PASSWORD.to_owned()),
        ];
        if self == Self::SaslSsl {
            settings.push(("ssl.ca.location", tls_file("ca.pem")));
        }
        settings
    }

    /// [`config`] for group `group`, logging in on this listener.
    pub fn config(self, group: &str) -> Config {
        self.settings()
            .into_iter()
            .fold(config(group), |config, (key, value)| {
                config.kafka(key, value)
            })
    }

    /// [`Secured::settings`] as the `KARAFKA_KAFKA__*` variables of an app process.
    pub fn env(self) -> Vec<(String, String)> {
        self.settings()
            .into_iter()
            .map(|(key, value)| {
                let name = format!(
                    "KARAFKA_KAFKA__{}",
                    key.replace('.', "_").to_ascii_uppercase()
                );
                (name, value)
            })
            .collect()
    }
}

/// A file of the certificates `scripts/kafka` made (`ca.pem`, `untrusted-ca.pem`), in the
/// machine's folder for them (`KAFKA_TLS_DIR`, default `$XDG_DATA_HOME/karafka/kafka-tls`), as
/// the script finds it.
pub fn tls_file(name: &str) -> String {
    let folder = std::env::var_os("KAFKA_TLS_DIR").map_or_else(
        || {
            std::env::var_os("XDG_DATA_HOME")
                .map(PathBuf::from)
                .or_else(|| {
                    std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".local/share"))
                })
                .unwrap_or_default()
                .join("karafka/kafka-tls")
        },
        PathBuf::from,
    );
    folder.join(name).to_string_lossy().into_owned()
}

/// The OAUTHBEARER listener (unsecured JWTs).
pub const OAUTH_ADDRESS: &str = "127.0.0.1:9096";

/// [`config`] for group `group` on the OAUTHBEARER listener, without a token provider yet.
pub fn oauth_config(group: &str) -> Config {
    config(group)
        .kafka("bootstrap.servers", OAUTH_ADDRESS)
        .kafka("security.protocol", "SASL_PLAINTEXT")
        .kafka("sasl.mechanism", "OAUTHBEARER")
}

/// An unsigned JWT (`"alg": "none"`) for `subject`, valid for `lifetime`: what Kafka's
/// unsecured validator accepts.
pub fn unsecured_jwt(subject: &str, lifetime: Duration) -> OAuthToken {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    let header = serde_json::json!({"alg": "none"});
    let claims = serde_json::json!({
        "sub": subject,
        "iat": now,
        "exp": now + lifetime.as_secs(),
    });
    let token = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    OAuthToken::new(token, subject, lifetime)
}
