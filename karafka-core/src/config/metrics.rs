//! Settings of the HTTP endpoint that serves metrics and health probes.

use std::net::SocketAddr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{millis, ConfigError};

/// The `[metrics]` settings: an HTTP endpoint in the server process serving `/metrics`
/// (Prometheus), `/health/live` and `/health/ready`.
///
/// ```toml
/// [metrics]
/// enabled = true
/// address = "0.0.0.0:9394"
/// consuming_ttl = 300000
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsConfig {
    /// Whether the server starts the endpoint. Default false.
    pub enabled: bool,
    /// Where it listens, `ip:port`. Default `127.0.0.1:9394`.
    pub address: String,
    /// How long a job of a topic not routed with `long_running_job` may run before
    /// `/health/live` fails naming its partition (Karafka's liveness listener's
    /// `consuming_ttl`). Default 300000 ms.
    #[serde(with = "millis")]
    pub consuming_ttl: Duration,
    /// How long a subscription group's consumer may be other than steady in its consumer group
    /// (out of it, or joining or rebalancing as librdkafka's statistics report) before
    /// `/health/live` fails naming the group. Default 300000 ms, the longest a rebalance waits
    /// for members by default.
    #[serde(with = "millis")]
    pub joining_ttl: Duration,
}

impl Default for MetricsConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            address: "127.0.0.1:9394".into(),
            consuming_ttl: Duration::from_millis(300_000),
            joining_ttl: Duration::from_millis(300_000),
        }
    }
}

impl MetricsConfig {
    /// The address to listen on.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] naming `metrics.address` when it is not `ip:port`.
    pub fn socket_address(&self) -> Result<SocketAddr, ConfigError> {
        super::address::socket_address("metrics.address", &self.address, "127.0.0.1:9394")
    }

    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        self.socket_address()?;
        for (key, value) in [
            ("metrics.consuming_ttl", self.consuming_ttl),
            ("metrics.joining_ttl", self.joining_ttl),
        ] {
            if value.is_zero() {
                return Err(ConfigError::invalid(key, 0, "must be at least 1 ms"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_address_parses() {
        assert_eq!(
            MetricsConfig::default().socket_address().unwrap(),
            "127.0.0.1:9394".parse().unwrap()
        );
    }

    #[test]
    fn a_malformed_address_is_refused_by_name() {
        for address in ["localhost:9394", "127.0.0.1", "127.0.0.1:99999", ""] {
            let config = MetricsConfig {
                address: address.into(),
                ..MetricsConfig::default()
            };
            let error = config.validate().unwrap_err().to_string();
            assert!(error.contains("`metrics.address`"), "{error}");
        }
    }

    #[test]
    fn a_zero_ttl_is_refused_by_name() {
        let config = MetricsConfig {
            consuming_ttl: Duration::ZERO,
            ..MetricsConfig::default()
        };
        let error = config.validate().unwrap_err().to_string();
        assert!(error.contains("`metrics.consuming_ttl`"), "{error}");
    }
}
