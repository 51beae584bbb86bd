//! librdkafka's log lines and error events, as `tracing` events under the `librdkafka` target.

use rdkafka::config::RDKafkaLogLevel;
use rdkafka::error::KafkaError;
use rdkafka::types::RDKafkaErrorCode;

/// librdkafka's own log lines. Its "error" lines report conditions it retries by itself (a
/// refused connection, say), so they are warnings here; the error events below carry the
/// verdict.
pub(crate) fn librdkafka_log(client: &str, level: RDKafkaLogLevel, facility: &str, message: &str) {
    match level {
        RDKafkaLogLevel::Emerg | RDKafkaLogLevel::Alert | RDKafkaLogLevel::Critical => {
            tracing::error!(target: "librdkafka", client, facility, "{message}")
        }
        RDKafkaLogLevel::Error | RDKafkaLogLevel::Warning => {
            tracing::warn!(target: "librdkafka", client, facility, "{message}")
        }
        RDKafkaLogLevel::Notice | RDKafkaLogLevel::Info => {
            tracing::info!(target: "librdkafka", client, facility, "{message}")
        }
        RDKafkaLogLevel::Debug => {
            tracing::debug!(target: "librdkafka", client, facility, "{message}")
        }
    }
}

/// Whether `error` is connection trouble librdkafka recovers from by itself.
pub(crate) fn recovers_by_itself(error: &KafkaError) -> bool {
    matches!(
        error.rdkafka_error_code(),
        Some(
            RDKafkaErrorCode::BrokerTransportFailure
                | RDKafkaErrorCode::AllBrokersDown
                | RDKafkaErrorCode::Resolve
                | RDKafkaErrorCode::OperationTimedOut
                | RDKafkaErrorCode::RequestTimedOut
        )
    )
}

/// librdkafka's error events: connection trouble it recovers from is a warning, the rest errors.
pub(crate) fn librdkafka_error(client: &str, error: &KafkaError, reason: &str) {
    if recovers_by_itself(error) {
        tracing::warn!(target: "librdkafka", client, %error, "{reason}");
    } else {
        tracing::error!(target: "librdkafka", client, %error, "{reason}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_trouble_recovers_by_itself_and_a_missing_topic_does_not() {
        let consuming = KafkaError::MessageConsumption;
        assert!(recovers_by_itself(&consuming(
            RDKafkaErrorCode::BrokerTransportFailure
        )));
        assert!(recovers_by_itself(&consuming(
            RDKafkaErrorCode::AllBrokersDown
        )));
        assert!(!recovers_by_itself(&consuming(
            RDKafkaErrorCode::UnknownTopicOrPartition
        )));
    }
}
