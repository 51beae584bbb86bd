//! Settings of `swarm`: a supervisor process running the app's server in several node processes.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{millis, ConfigError};

/// The `[swarm]` settings, Karafka's `swarm.nodes` and its swarm timings.
///
/// ```toml
/// [swarm]
/// nodes = 3
/// node_report_timeout = 60000
/// node_restart_timeout = 3000
/// liveness_interval = 10000
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SwarmConfig {
    /// How many node processes `swarm` runs when `--nodes` is not given. Default 3.
    pub nodes: usize,
    /// How long a node may go without reporting that it is alive before the supervisor kills
    /// and replaces it. Default 60000 ms.
    #[serde(with = "millis")]
    pub node_report_timeout: Duration,
    /// How long the supervisor waits before it starts a node again after the node died; it
    /// doubles (up to 32 times) while a node dies before its first healthy report. Default
    /// 3000 ms.
    #[serde(with = "millis")]
    pub node_restart_timeout: Duration,
    /// How often a node reports to its supervisor. Default 10000 ms.
    #[serde(with = "millis")]
    pub liveness_interval: Duration,
}

impl Default for SwarmConfig {
    fn default() -> Self {
        Self {
            nodes: 3,
            node_report_timeout: Duration::from_millis(60_000),
            node_restart_timeout: Duration::from_millis(3_000),
            liveness_interval: Duration::from_millis(10_000),
        }
    }
}

impl SwarmConfig {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        if self.nodes == 0 {
            return Err(ConfigError::invalid("swarm.nodes", 0, "must be at least 1"));
        }
        for (key, value) in [
            ("swarm.node_restart_timeout", self.node_restart_timeout),
            ("swarm.liveness_interval", self.liveness_interval),
        ] {
            if value.is_zero() {
                return Err(ConfigError::invalid(key, 0, "must be at least 1 ms"));
            }
        }
        if self.node_report_timeout <= self.liveness_interval {
            return Err(ConfigError::invalid(
                "swarm.node_report_timeout",
                self.node_report_timeout.as_millis(),
                format!(
                    "must be above swarm.liveness_interval ({} ms), or every node would be \
                     killed between two reports",
                    self.liveness_interval.as_millis()
                ),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_valid() {
        SwarmConfig::default().validate().expect("valid defaults");
    }

    #[test]
    fn a_report_timeout_within_the_interval_is_refused_by_name() {
        let swarm = SwarmConfig {
            node_report_timeout: Duration::from_millis(10_000),
            ..SwarmConfig::default()
        };
        let text = swarm.validate().unwrap_err().to_string();
        assert!(text.contains("swarm.node_report_timeout"), "{text}");
        let none = SwarmConfig {
            nodes: 0,
            ..SwarmConfig::default()
        };
        assert!(none
            .validate()
            .unwrap_err()
            .to_string()
            .contains("swarm.nodes"));
    }
}
