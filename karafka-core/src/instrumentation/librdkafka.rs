//! librdkafka's log lines and error events, as `tracing` events under the `librdkafka` target.
//!
//! While a broker is unreachable librdkafka reports every failed attempt, several times a
//! second per client; each kind of report is logged once, then at most once per
//! [`REPEATS_EVERY`] with how often it recurred.

use std::sync::{LazyLock, Mutex, PoisonError};
use std::time::{Duration, Instant};

use rdkafka::config::RDKafkaLogLevel;
use rdkafka::error::KafkaError;
use rdkafka::types::RDKafkaErrorCode;

use super::throttle::{Throttle, Verdict};

/// How often one kind of repeated warning or error of one client is logged.
pub(crate) const REPEATS_EVERY: Duration = Duration::from_secs(30);

/// Reports seen so far, by client and kind (the text without its numbers: durations, ports).
static REPEATS: LazyLock<Mutex<Throttle<(String, String)>>> =
    LazyLock::new(|| Mutex::new(Throttle::new(REPEATS_EVERY)));

/// `Some(n)` when this report of `client` is to be logged (`n` like it were left out since the
/// last one), `None` when it is only counted.
pub(crate) fn repeated(client: &str, report: &str) -> Option<u64> {
    let kind: String = report.chars().filter(|c| !c.is_ascii_digit()).collect();
    // The throttle is plain data that every caller leaves consistent.
    let verdict = REPEATS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .observe((client.to_owned(), kind), Instant::now());
    match verdict {
        Verdict::Log { suppressed } => Some(suppressed),
        Verdict::Quiet => None,
    }
}

/// What a logged report adds about the ones left out before it.
pub(crate) fn left_out(suppressed: u64) -> String {
    if suppressed == 0 {
        String::new()
    } else {
        format!(
            " (and {suppressed} more like it in the last {} s)",
            REPEATS_EVERY.as_secs()
        )
    }
}

/// librdkafka's own log lines. Its "error" lines report conditions it retries by itself (a
/// refused connection, say), so they are warnings here; the error events below carry the
/// verdict.
pub(crate) fn librdkafka_log(client: &str, level: RDKafkaLogLevel, facility: &str, message: &str) {
    match level {
        RDKafkaLogLevel::Emerg | RDKafkaLogLevel::Alert | RDKafkaLogLevel::Critical => {
            tracing::error!(target: "librdkafka", client, facility, "{message}")
        }
        RDKafkaLogLevel::Error | RDKafkaLogLevel::Warning => {
            if let Some(suppressed) = repeated(client, message) {
                let more = left_out(suppressed);
                tracing::warn!(target: "librdkafka", client, facility, "{message}{more}")
            }
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
    let Some(suppressed) = repeated(client, &format!("{error}: {reason}")) else {
        return;
    };
    let more = left_out(suppressed);
    if recovers_by_itself(error) {
        tracing::warn!(target: "librdkafka", client, %error, "{reason}{more}");
    } else {
        tracing::error!(target: "librdkafka", client, %error, "{reason}{more}");
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
