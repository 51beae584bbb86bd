//! Reading what any version wrote: the current format decodes, another format is skipped.

use serde::de::DeserializeOwned;
use serde::Deserialize;

use super::SCHEMA;

/// What a record of the reports, errors or commands topic holds, as far as this build reads it.
#[derive(Debug, Clone, PartialEq)]
pub enum Decoded<T> {
    /// A record in this build's format.
    Current(T),
    /// A record of another format, skipped: a reader of an older or newer build.
    Unsupported {
        /// The record's format.
        schema: u32,
    },
}

/// A record that is not a report of any format.
#[derive(Debug, thiserror::Error)]
#[error("not a karafka-web record: {0}")]
pub struct DecodeError(#[from] serde_json::Error);

#[derive(Deserialize)]
struct Schema {
    schema: u32,
}

/// Decodes a record written by any version: this build's format into `T`, another format into
/// [`Decoded::Unsupported`].
///
/// # Errors
/// [`DecodeError`] when `bytes` is not JSON with a numeric `schema`, or is this format but does
/// not fit `T`.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<Decoded<T>, DecodeError> {
    let Schema { schema } = serde_json::from_slice(bytes)?;
    if schema != SCHEMA {
        return Ok(Decoded::Unsupported { schema });
    }
    Ok(Decoded::Current(serde_json::from_slice(bytes)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::ErrorReport;

    fn error_report() -> ErrorReport {
        ErrorReport {
            schema: SCHEMA,
            process_id: "host:1:2".into(),
            occurred_at: 3,
            kind: "consumer.consume".into(),
            group: Some("app/default".into()),
            consumer: Some("Orders".into()),
            topic: Some("orders".into()),
            partition: Some(0),
            first_offset: Some(10),
            last_offset: Some(12),
            error: "boom: cause".into(),
        }
    }

    #[test]
    fn the_current_format_round_trips() {
        let bytes = serde_json::to_vec(&error_report()).expect("serializes");
        let decoded: Decoded<ErrorReport> = decode(&bytes).expect("decodes");
        assert_eq!(decoded, Decoded::Current(error_report()));
    }

    #[test]
    fn another_format_is_skipped_not_failed() {
        let decoded: Decoded<ErrorReport> =
            decode(br#"{"schema": 0, "process": "old layout"}"#).expect("decodes");
        assert_eq!(decoded, Decoded::Unsupported { schema: 0 });
        let decoded: Decoded<ErrorReport> =
            decode(br#"{"schema": 7, "anything": [1, 2]}"#).expect("decodes");
        assert_eq!(decoded, Decoded::Unsupported { schema: 7 });
    }

    #[test]
    fn garbage_is_an_error_naming_why() {
        let error = decode::<ErrorReport>(b"not json").expect_err("refused");
        assert!(error.to_string().starts_with("not a karafka-web record"));
        let error = decode::<ErrorReport>(br#"{"schema": 1}"#).expect_err("refused");
        assert!(error.to_string().contains("missing field"), "{error}");
    }
}
