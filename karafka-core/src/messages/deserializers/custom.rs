//! The traits of a route's own formats, and the type erasure that lets them decode any type the
//! consumer asks for.

use serde::de::DeserializeOwned;

use crate::messages::Headers;
use crate::BoxError;

/// Decodes a route's payloads or keys in a serde format of your choice.
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
///
/// A key format, such as the 8 big-endian bytes of Java's `LongSerializer`:
///
/// ```
/// use karafka::messages::{Deserializer, Visit};
/// use serde::de::value::U64Deserializer;
///
/// struct BigEndianU64;
///
/// impl Deserializer for BigEndianU64 {
///     fn deserialize(&self, key: &[u8], visit: Visit<'_>) -> Result<(), karafka::BoxError> {
///         let bytes: [u8; 8] = key
///             .try_into()
///             .map_err(|_| format!("expected 8 bytes, got {}", key.len()))?;
///         visit.with(U64Deserializer::<serde::de::value::Error>::new(u64::from_be_bytes(bytes)))
///     }
/// }
/// ```
pub trait Deserializer: Send + Sync + 'static {
    /// Builds a deserializer over `bytes` and calls [`Visit::with`] with it. For a payload,
    /// `bytes` is empty when the payload is null (a tombstone); a key deserializer is only called
    /// for messages that have a key.
    ///
    /// # Errors
    /// Whatever the format or the visit reports.
    fn deserialize(&self, bytes: &[u8], visit: Visit<'_>) -> Result<(), BoxError>;
}

/// Decodes a route's headers into the typed view a consumer asks for with
/// [`Message::headers_as`](crate::Message::headers_as).
///
/// ```
/// use karafka::messages::{Headers, HeadersDeserializer, Visit};
/// use serde_json::{Map, Value};
///
/// /// Header values written as JSON: `"3"` reads as a number, `"[1,2]"` as a list.
/// struct JsonHeaders;
///
/// impl HeadersDeserializer for JsonHeaders {
///     fn deserialize(&self, headers: &Headers, visit: Visit<'_>) -> Result<(), karafka::BoxError> {
///         let mut map = Map::new();
///         for header in headers {
///             let value = match &header.value {
///                 Some(bytes) => serde_json::from_slice(bytes)
///                     .map_err(|error| format!("header `{}`: {error}", header.key))?,
///                 None => Value::Null,
///             };
///             map.insert(header.key.clone(), value);
///         }
///         visit.with(Value::Object(map))
///     }
/// }
/// ```
pub trait HeadersDeserializer: Send + Sync + 'static {
    /// Builds a deserializer over `headers` and calls [`Visit::with`] with it.
    ///
    /// # Errors
    /// Whatever the format or the visit reports.
    fn deserialize(&self, headers: &Headers, visit: Visit<'_>) -> Result<(), BoxError>;
}

type ErasedVisit<'a> = dyn for<'de> FnMut(&mut dyn erased_serde::Deserializer<'de>) -> Result<(), erased_serde::Error>
    + 'a;

/// The decoding a [`Deserializer`] or [`HeadersDeserializer`] hands its format's deserializer to.
pub struct Visit<'a>(&'a mut ErasedVisit<'a>);

impl Visit<'_> {
    /// Decodes the requested type from `deserializer`.
    ///
    /// # Errors
    /// The format's error when the input does not match the requested type.
    pub fn with<'de, D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), BoxError> {
        let mut erased = <dyn erased_serde::Deserializer>::erase(deserializer);
        (self.0)(&mut erased).map_err(Into::into)
    }
}

/// Decodes a `T` through `format`, which is handed the [`Visit`] (a user's trait object: it
/// cannot be generic over `T`, so `T` travels in the visit's closure).
pub(super) fn decode<T: DeserializeOwned>(
    format: impl FnOnce(Visit<'_>) -> Result<(), BoxError>,
) -> Result<T, BoxError> {
    let mut decoded = None;
    let mut visit = |de: &mut dyn erased_serde::Deserializer<'_>| {
        decoded = Some(erased_serde::deserialize::<T>(de)?);
        Ok(())
    };
    format(Visit(&mut visit))?;
    decoded.ok_or_else(|| "the deserializer returned without calling `Visit::with`".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_returns_what_the_visit_decoded() {
        let value: Vec<u32> =
            decode(|visit| visit.with(&mut serde_json::Deserializer::from_slice(b"[1,2]")))
                .unwrap();
        assert_eq!(value, vec![1, 2]);
    }

    #[test]
    fn a_format_error_is_returned() {
        let error =
            decode::<Vec<u32>>(|visit| visit.with(&mut serde_json::Deserializer::from_slice(b"{")))
                .unwrap_err();
        assert!(error.to_string().contains("expected a sequence"), "{error}");
    }

    #[test]
    fn a_format_that_skips_the_visit_is_an_error() {
        let error = decode::<u32>(|_| Ok(())).unwrap_err();
        assert!(error.to_string().contains("without calling"), "{error}");
    }
}
