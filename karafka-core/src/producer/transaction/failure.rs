//! What a failed transaction call means for the transaction and the producer: pure, so the
//! decision is tested apart from librdkafka.

use rdkafka::error::{KafkaError, RDKafkaErrorCode};

/// The kind of a transaction call's failure, as librdkafka flags it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure {
    /// The producer can do nothing more (e.g. fenced by a newer one with its `transactional.id`):
    /// it is rebuilt before the next transaction.
    Fatal,
    /// The transaction must be aborted; the producer stays usable.
    Abortable,
    /// The same call may be made again (e.g. it timed out).
    Retriable,
    /// Anything else: the call failed and nothing says the transaction can go on.
    Other,
}

/// Flags librdkafka gives a transaction error, taken apart so the decision is testable.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Flags {
    pub(crate) fatal: bool,
    pub(crate) requires_abort: bool,
    pub(crate) retriable: bool,
}

impl Flags {
    /// The flags of `error`; errors that are not transaction errors carry none, except a time-out,
    /// which may be retried.
    pub(crate) fn of(error: &KafkaError) -> Self {
        match error {
            KafkaError::Transaction(error) => Self {
                fatal: error.is_fatal(),
                requires_abort: error.txn_requires_abort(),
                retriable: error.is_retriable(),
            },
            other => Self {
                retriable: other.rdkafka_error_code() == Some(RDKafkaErrorCode::OperationTimedOut),
                ..Self::default()
            },
        }
    }
}

impl Failure {
    /// Fatal outranks abortable, which outranks retriable: a fatal error may also say it needs an
    /// abort, and an abort must not be retried around.
    pub(crate) fn classify(flags: Flags) -> Self {
        if flags.fatal {
            Self::Fatal
        } else if flags.requires_abort {
            Self::Abortable
        } else if flags.retriable {
            Self::Retriable
        } else {
            Self::Other
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn fatal_outranks_everything(requires_abort: bool, retriable: bool) {
            let flags = Flags { fatal: true, requires_abort, retriable };
            prop_assert_eq!(Failure::classify(flags), Failure::Fatal);
        }

        #[test]
        fn an_abort_is_never_retried_around(retriable: bool) {
            let flags = Flags { fatal: false, requires_abort: true, retriable };
            prop_assert_eq!(Failure::classify(flags), Failure::Abortable);
        }
    }

    #[test]
    fn only_a_retriable_error_is_retried() {
        let retriable = Flags {
            retriable: true,
            ..Flags::default()
        };
        assert_eq!(Failure::classify(retriable), Failure::Retriable);
        assert_eq!(Failure::classify(Flags::default()), Failure::Other);
    }

    #[test]
    fn a_timed_out_call_outside_a_transaction_error_may_be_retried() {
        let flags = Flags::of(&KafkaError::Global(RDKafkaErrorCode::OperationTimedOut));
        assert!(flags.retriable && !flags.fatal && !flags.requires_abort);
        let flags = Flags::of(&KafkaError::Global(
            RDKafkaErrorCode::BrokerTransportFailure,
        ));
        assert_eq!(Failure::classify(flags), Failure::Other);
    }
}
