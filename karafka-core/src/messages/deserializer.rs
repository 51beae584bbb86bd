//! Payload decoding: JSON by default, any serde format through [`Deserializer`].

use std::fmt;
use std::sync::Arc;

use serde::de::DeserializeOwned;

use crate::BoxError;

/// Decodes payloads of a topic in a serde format other than JSON.
///
/// An implementation builds its format's `serde::Deserializer` over the bytes and hands it to
/// [`Visit::with`]; the framework decodes the type the consumer asked for from it.
///
/// ```
/// use karafka::messages::{Deserializer, Visit};
///
/// /// Payloads written as JSON text, but read with serde_json's stream deserializer.
/// struct JsonText;
///
/// impl Deserializer for JsonText {
///     fn deserialize(&self, payload: &[u8], visit: Visit<'_>) -> Result<(), karafka::BoxError> {
///         visit.with(&mut serde_json::Deserializer::from_slice(payload))
///     }
/// }
/// ```
pub trait Deserializer: Send + Sync + 'static {
    /// Builds a deserializer over `payload` (empty for a null payload) and calls
    /// [`Visit::with`] with it.
    ///
    /// # Errors
    /// Whatever the format or the visit reports.
    fn deserialize(&self, payload: &[u8], visit: Visit<'_>) -> Result<(), BoxError>;
}

type ErasedVisit<'a> = dyn for<'de> FnMut(&mut dyn erased_serde::Deserializer<'de>) -> Result<(), erased_serde::Error>
    + 'a;

/// The decoding a [`Deserializer`] hands its format's deserializer to.
pub struct Visit<'a>(&'a mut ErasedVisit<'a>);

impl Visit<'_> {
    /// Decodes the requested type from `deserializer`.
    ///
    /// # Errors
    /// The format's error when the payload does not match the requested type.
    pub fn with<'de, D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), BoxError> {
        let mut erased = <dyn erased_serde::Deserializer>::erase(deserializer);
        (self.0)(&mut erased).map_err(Into::into)
    }
}

/// How the payloads of one topic are decoded.
#[derive(Clone, Default)]
pub(crate) enum PayloadDecoder {
    /// serde_json, called directly (the common case stays free of dynamic dispatch).
    #[default]
    Json,
    /// A user's format.
    Custom(Arc<dyn Deserializer>),
}

impl fmt::Debug for PayloadDecoder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Json => f.write_str("Json"),
            Self::Custom(_) => f.write_str("Custom"),
        }
    }
}

impl PayloadDecoder {
    /// Decodes `payload` (`None` for a null payload, read as JSON `null`).
    pub(crate) fn decode<T: DeserializeOwned>(
        &self,
        payload: Option<&[u8]>,
    ) -> Result<T, BoxError> {
        match self {
            Self::Json => Ok(serde_json::from_slice(payload.unwrap_or(b"null"))?),
            Self::Custom(deserializer) => {
                let mut decoded = None;
                let mut visit = |de: &mut dyn erased_serde::Deserializer<'_>| {
                    decoded = Some(erased_serde::deserialize::<T>(de)?);
                    Ok(())
                };
                deserializer.deserialize(payload.unwrap_or_default(), Visit(&mut visit))?;
                decoded
                    .ok_or_else(|| "the deserializer returned without decoding the payload".into())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct JsonThroughVisit;

    impl Deserializer for JsonThroughVisit {
        fn deserialize(&self, payload: &[u8], visit: Visit<'_>) -> Result<(), BoxError> {
            visit.with(&mut serde_json::Deserializer::from_slice(payload))
        }
    }

    struct Lazy;

    impl Deserializer for Lazy {
        fn deserialize(&self, _: &[u8], _: Visit<'_>) -> Result<(), BoxError> {
            Ok(())
        }
    }

    #[test]
    fn json_reads_a_null_payload_as_null() {
        let value: Option<u32> = PayloadDecoder::Json.decode(None).unwrap();
        assert_eq!(value, None);
    }

    #[test]
    fn a_custom_deserializer_decodes_through_the_visit() {
        let decoder = PayloadDecoder::Custom(Arc::new(JsonThroughVisit));
        let value: Vec<u32> = decoder.decode(Some(b"[1,2]")).unwrap();
        assert_eq!(value, vec![1, 2]);
        assert!(decoder.decode::<Vec<u32>>(Some(b"{")).is_err());
    }

    #[test]
    fn a_deserializer_that_skips_the_visit_is_an_error() {
        let decoder = PayloadDecoder::Custom(Arc::new(Lazy));
        let error = decoder.decode::<u32>(Some(b"1")).unwrap_err();
        assert!(error.to_string().contains("without decoding"));
    }
}
