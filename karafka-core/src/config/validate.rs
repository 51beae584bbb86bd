//! Checks of values that have the right type but are outside what the runtime allows.

use super::{
    check_with_librdkafka, consumer_config, producer_config, refuse_derived, Config, ConfigError,
    Prefetch,
};

impl Config {
    /// Checks every setting, including the librdkafka properties, without connecting.
    ///
    /// # Errors
    /// A [`ConfigError`] naming the first bad key, its value and what is allowed.
    pub fn validate(&self) -> Result<(), ConfigError> {
        for (key, value) in [("client_id", &self.client_id), ("group_id", &self.group_id)] {
            if value.trim().is_empty() {
                return Err(ConfigError::invalid(key, "\"\"", "must not be empty"));
            }
        }
        for (key, value) in [
            ("concurrency", self.concurrency),
            ("max_messages", self.max_messages),
        ] {
            if value == 0 {
                return Err(ConfigError::invalid(key, value, "must be at least 1"));
            }
        }
        if self.log_summary_interval.is_zero() {
            return Err(ConfigError::invalid(
                "log_summary_interval",
                0,
                "must be at least 1 ms",
            ));
        }
        if self.pause_timeout.is_zero() {
            return Err(ConfigError::invalid(
                "pause_timeout",
                0,
                "must be at least 1 ms, so a failing partition never retries in a busy loop",
            ));
        }
        if self.pause_max_timeout < self.pause_timeout {
            return Err(ConfigError::invalid(
                "pause_max_timeout",
                self.pause_max_timeout.as_millis(),
                format!(
                    "must not be below pause_timeout ({} ms)",
                    self.pause_timeout.as_millis()
                ),
            ));
        }
        if let Some(budget) = self.max_memory {
            // The least budget of all: one partition's share. The partitions are counted at start.
            Prefetch::share(budget, 1)?;
            refuse_derived(&self.kafka)?;
        }
        self.metrics.validate()?;
        self.web.validate()?;
        self.swarm.validate()?;
        let consumer = consumer_config(
            &self.kafka,
            &self.group_id,
            &self.client_id,
            self.initial_offset.as_auto_offset_reset(),
        )?;
        check_with_librdkafka(&consumer)?;
        let producer = producer_config(&self.kafka, &self.producer.kafka, &self.client_id)?;
        check_with_librdkafka(&producer)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::config::ByteSize;

    fn valid() -> Config {
        Config::default().kafka("bootstrap.servers", "127.0.0.1:9092")
    }

    #[test]
    fn defaults_with_brokers_are_valid() {
        valid().validate().expect("defaults are valid");
    }

    #[test]
    fn zero_concurrency_is_refused_by_name() {
        let config = Config {
            concurrency: 0,
            ..valid()
        };
        let text = config.validate().unwrap_err().to_string();
        assert!(text.contains("`concurrency` = 0"), "{text}");
    }

    #[test]
    fn pause_max_below_pause_is_refused() {
        let config = Config {
            pause_max_timeout: Duration::from_millis(10),
            ..valid()
        };
        let text = config.validate().unwrap_err().to_string();
        assert!(text.contains("pause_max_timeout"), "{text}");
    }

    #[test]
    fn max_memory_beside_a_setting_it_derives_is_refused() {
        let text = valid()
            .max_memory(ByteSize::mib(64))
            .kafka("queued.max.messages.kbytes", 1024)
            .validate()
            .unwrap_err()
            .to_string();
        assert!(text.contains("queued.max.messages.kbytes"), "{text}");
        assert!(text.contains("max_memory"), "{text}");
    }

    #[test]
    fn unknown_librdkafka_property_is_named() {
        let text = valid()
            .kafka("no.such.property", 1)
            .validate()
            .unwrap_err()
            .to_string();
        assert!(text.contains("no.such.property"), "{text}");
    }
}
