//! Telling apart, among librdkafka's connection errors, those that retrying cannot cure: the
//! broker refused the client's credentials, its SASL mechanism, or the TLS handshake.
//!
//! librdkafka reconnects after each of them for ever; the server gives up at start instead
//! ([`Error::Refused`](crate::Error::Refused)), naming which.

use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::ClientConfig;

use super::redact_text;

/// Why the brokers refused a client when it connected. Each carries librdkafka's description
/// (secret values removed).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Refusal {
    /// SASL authentication failed: a wrong user name or password, or an OAuth token the broker
    /// refused or that could not be obtained.
    #[error(
        "the broker refused the credentials ({0}); check `sasl.username` and `sasl.password` \
         (or the OAuth token provider)"
    )]
    Credentials(String),
    /// The broker does not offer the SASL mechanism the client asked for.
    #[error(
        "the broker does not offer this SASL mechanism ({0}); set `sasl.mechanism` to one it \
         lists"
    )]
    Mechanism(String),
    /// The TLS handshake failed: the broker's certificate is not signed by a trusted CA, names
    /// another host, or has expired.
    #[error(
        "the TLS handshake failed ({0}); check `ssl.ca.location` (the CA that signed the \
         broker's certificate) and that `bootstrap.servers` names a host the certificate is for"
    )]
    Tls(String),
}

impl Refusal {
    /// The refusal `error` (an error event of librdkafka, with its `reason`) stands for, if it
    /// is one.
    pub(crate) fn of(error: &KafkaError, reason: &str) -> Option<Self> {
        let reason = reason.to_owned();
        match error.rdkafka_error_code()? {
            RDKafkaErrorCode::SSL => Some(Self::Tls(reason)),
            // librdkafka words a refused mechanism "SASL <mechanism> mechanism handshake
            // failed: ... broker's supported mechanisms: ...".
            RDKafkaErrorCode::Authentication
            | RDKafkaErrorCode::SaslAuthenticationFailed
            | RDKafkaErrorCode::UnsupportedSASLMechanism
                if reason.contains("mechanism handshake failed")
                    || reason.contains("supported mechanisms") =>
            {
                Some(Self::Mechanism(reason))
            }
            RDKafkaErrorCode::UnsupportedSASLMechanism => Some(Self::Mechanism(reason)),
            RDKafkaErrorCode::Authentication | RDKafkaErrorCode::SaslAuthenticationFailed => {
                Some(Self::Credentials(reason))
            }
            _ => None,
        }
    }

    /// This refusal without the value of any secret setting of `config` in its text.
    pub(crate) fn redacted(&self, config: &ClientConfig) -> Self {
        let scrub = |text: &str| redact_text(text, config);
        match self {
            Self::Credentials(text) => Self::Credentials(scrub(text)),
            Self::Mechanism(text) => Self::Mechanism(scrub(text)),
            Self::Tls(text) => Self::Tls(scrub(text)),
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn global(code: RDKafkaErrorCode) -> KafkaError {
        KafkaError::Global(code)
    }

    #[test]
    fn librdkafkas_words_map_to_their_refusal() {
        let wrong_password = "SASL authentication error: Authentication failed during \
            authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512";
        assert!(matches!(
            Refusal::of(&global(RDKafkaErrorCode::Authentication), wrong_password),
            Some(Refusal::Credentials(_))
        ));
        let wrong_mechanism = "SASL SCRAM-SHA-256 mechanism handshake failed: Broker: Unsupported \
            SASL mechanism: broker's supported mechanisms: SCRAM-SHA-512";
        assert!(matches!(
            Refusal::of(&global(RDKafkaErrorCode::Authentication), wrong_mechanism),
            Some(Refusal::Mechanism(_))
        ));
        let untrusted = "SSL handshake failed: error:0A000086:SSL routines::certificate verify \
            failed: broker certificate could not be verified";
        assert!(matches!(
            Refusal::of(&global(RDKafkaErrorCode::SSL), untrusted),
            Some(Refusal::Tls(_))
        ));
    }

    proptest! {
        /// Connection trouble librdkafka recovers from is never a refusal, whatever it says.
        #[test]
        fn transport_trouble_is_no_refusal(reason in ".{0,80}") {
            for code in [
                RDKafkaErrorCode::BrokerTransportFailure,
                RDKafkaErrorCode::AllBrokersDown,
                RDKafkaErrorCode::Resolve,
                RDKafkaErrorCode::OperationTimedOut,
            ] {
                prop_assert_eq!(Refusal::of(&global(code), &reason), None);
            }
        }

        /// Every refusal keeps librdkafka's description, so the message says what happened.
        #[test]
        fn a_refusal_keeps_the_reason(reason in "[a-z ]{1,40}") {
            for code in [RDKafkaErrorCode::Authentication, RDKafkaErrorCode::SSL] {
                let refusal = Refusal::of(&global(code), &reason);
                prop_assert!(refusal.is_some());
                let shown = refusal.map(|refusal| refusal.to_string()).unwrap_or_default();
                prop_assert!(shown.contains(&reason));
            }
        }
    }
}
