//! How a route decodes the payloads, keys and headers of its messages: lazily, each only when a
//! consumer asks for it ([`Message::payload`](crate::Message::payload),
//! [`Message::key_as`](crate::Message::key_as),
//! [`Message::headers_as`](crate::Message::headers_as)), so a part nobody reads costs nothing.

mod custom;
mod header_map;
#[cfg(test)]
pub(crate) mod test_formats;
mod text;

use std::fmt;
use std::sync::Arc;

use serde::de::DeserializeOwned;

pub use custom::{Deserializer, HeadersDeserializer, Visit};

use super::Headers;
use crate::BoxError;
use header_map::HeaderMap;
use text::Text;

/// A route's deserializers: one for payloads, one for keys, one for headers (Karafka's
/// `deserializers(payload:, key:, headers:)`).
///
/// Each part left unset takes the one of the routes' defaults, then the built-in one, as in
/// Karafka:
///
/// | part | built-in | a consumer reads |
/// |---|---|---|
/// | payload | JSON; a null payload (tombstone) reads as JSON `null` | [`message.payload::<T>()`](crate::Message::payload) |
/// | key | the key as text: strings borrow it, numbers, `bool`s and unit enum variants are parsed from it; a key that is not UTF-8 reads as bytes | [`message.key_as::<T>()`](crate::Message::key_as), `None` for a message without key |
/// | headers | a map of each header's name to its value read like a key (the last header of a name wins, as in [`Headers::get`]); a null value reads as `None` | [`message.headers_as::<T>()`](crate::Message::headers_as), e.g. a struct of the headers the consumer needs |
///
/// The raw parts stay at [`Message::raw_payload`](crate::Message::raw_payload),
/// [`Message::key`](crate::Message::key) and [`Message::headers`](crate::Message::headers).
///
/// Unlike Karafka, where a topic's `deserializers` replaces the defaults' whole set, each part
/// falls back on its own, like every other topic setting.
///
/// ```
/// use karafka::messages::{Deserializer, Deserializers, Visit};
/// use karafka::routing::Topic;
///
/// struct Utf8Text;
///
/// impl Deserializer for Utf8Text {
///     fn deserialize(&self, bytes: &[u8], visit: Visit<'_>) -> Result<(), karafka::BoxError> {
///         let text = std::str::from_utf8(bytes)?;
///         visit.with(serde::de::value::StrDeserializer::<serde::de::value::Error>::new(text))
///     }
/// }
///
/// let topic = Topic::new("logs").deserializers(Deserializers::new().payload(Utf8Text));
/// # let _ = topic;
/// ```
#[derive(Clone, Default)]
pub struct Deserializers {
    payload: Option<Arc<dyn Deserializer>>,
    key: Option<Arc<dyn Deserializer>>,
    headers: Option<Arc<dyn HeadersDeserializer>>,
}

impl Deserializers {
    /// The built-in deserializers of every part.
    pub fn new() -> Self {
        Self::default()
    }

    /// Decodes payloads with `deserializer` instead of JSON.
    pub fn payload(mut self, deserializer: impl Deserializer) -> Self {
        self.payload = Some(Arc::new(deserializer));
        self
    }

    /// Decodes keys with `deserializer` instead of reading them as text.
    pub fn key(mut self, deserializer: impl Deserializer) -> Self {
        self.key = Some(Arc::new(deserializer));
        self
    }

    /// Decodes headers with `deserializer` instead of reading them as a map of text.
    pub fn headers(mut self, deserializer: impl HeadersDeserializer) -> Self {
        self.headers = Some(Arc::new(deserializer));
        self
    }

    /// These deserializers, with `fallback`'s for the parts they leave unset.
    pub(crate) fn or(self, fallback: &Deserializers) -> Deserializers {
        Deserializers {
            payload: self.payload.or_else(|| fallback.payload.clone()),
            key: self.key.or_else(|| fallback.key.clone()),
            headers: self.headers.or_else(|| fallback.headers.clone()),
        }
    }

    /// The parts with a deserializer of the app's, in words for `info`; `None` when all are
    /// built-in.
    pub(crate) fn describe(&self) -> Option<String> {
        let custom: Vec<&str> = [
            ("payload", self.payload.is_some()),
            ("key", self.key.is_some()),
            ("headers", self.headers.is_some()),
        ]
        .into_iter()
        .filter_map(|(part, custom)| custom.then_some(part))
        .collect();
        (!custom.is_empty()).then(|| format!("custom deserializers: {}", custom.join(", ")))
    }

    /// Decodes `payload` (`None` for a null payload).
    pub(crate) fn decode_payload<T: DeserializeOwned>(
        &self,
        payload: Option<&[u8]>,
    ) -> Result<T, BoxError> {
        match &self.payload {
            // serde_json called directly: the common case stays free of dynamic dispatch.
            None => Ok(serde_json::from_slice(payload.unwrap_or(b"null"))?),
            Some(custom) => {
                custom::decode(|visit| custom.deserialize(payload.unwrap_or_default(), visit))
            }
        }
    }

    /// Decodes a message's `key`.
    pub(crate) fn decode_key<T: DeserializeOwned>(&self, key: &[u8]) -> Result<T, BoxError> {
        match &self.key {
            None => Ok(T::deserialize(Text::new(Some(key)))?),
            Some(custom) => custom::decode(|visit| custom.deserialize(key, visit)),
        }
    }

    /// Decodes a message's `headers`.
    pub(crate) fn decode_headers<T: DeserializeOwned>(
        &self,
        headers: &Headers,
    ) -> Result<T, BoxError> {
        match &self.headers {
            None => Ok(T::deserialize(HeaderMap::new(headers))?),
            Some(custom) => custom::decode(|visit| custom.deserialize(headers, visit)),
        }
    }
}

impl fmt::Debug for Deserializers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = |custom: bool, built_in: &'static str| if custom { "custom" } else { built_in };
        f.debug_struct("Deserializers")
            .field("payload", &kind(self.payload.is_some(), "json"))
            .field("key", &kind(self.key.is_some(), "text"))
            .field("headers", &kind(self.headers.is_some(), "text map"))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::test_formats::{HeaderNames, JsonThroughVisit};
    use super::*;

    fn headers() -> Headers {
        let mut headers = Headers::new();
        headers.insert("a", Some(b"1".to_vec()));
        headers.insert("b", None);
        headers
    }

    #[test]
    fn the_built_in_parts_read_json_payloads_and_text_keys_and_headers() {
        let built_in = Deserializers::new();
        assert_eq!(built_in.decode_payload::<Option<u32>>(None).unwrap(), None);
        assert_eq!(
            built_in.decode_payload::<Vec<u32>>(Some(b"[1]")).unwrap(),
            vec![1]
        );
        assert_eq!(built_in.decode_key::<String>(b"[1]").unwrap(), "[1]");
        let map: HashMap<String, Option<u8>> = built_in.decode_headers(&headers()).unwrap();
        assert_eq!(
            map,
            HashMap::from([("a".into(), Some(1)), ("b".into(), None)])
        );
    }

    #[test]
    fn each_custom_part_decodes_only_its_part() {
        let custom = Deserializers::new()
            .key(JsonThroughVisit)
            .headers(HeaderNames);
        assert_eq!(custom.decode_key::<Vec<u32>>(b"[1,2]").unwrap(), vec![1, 2]);
        assert!(
            custom.decode_key::<String>(b"plain").is_err(),
            "keys are JSON now"
        );
        assert_eq!(
            custom.decode_headers::<Vec<String>>(&headers()).unwrap(),
            vec!["a", "b"]
        );
        assert_eq!(custom.decode_payload::<u32>(Some(b"7")).unwrap(), 7);
        let payload_only = Deserializers::new().payload(JsonThroughVisit);
        assert_eq!(
            payload_only.decode_key::<String>(b"plain").unwrap(),
            "plain"
        );
    }

    #[test]
    fn a_custom_payload_deserializer_gets_an_empty_slice_for_a_tombstone() {
        let custom = Deserializers::new().payload(JsonThroughVisit);
        assert!(
            custom.decode_payload::<Option<u32>>(None).is_err(),
            "empty is not JSON"
        );
    }

    #[test]
    fn unset_parts_fall_back_one_by_one() {
        let defaults = Deserializers::new()
            .payload(JsonThroughVisit)
            .key(JsonThroughVisit);
        let merged = Deserializers::new().headers(HeaderNames).or(&defaults);
        assert_eq!(
            format!("{merged:?}"),
            r#"Deserializers { payload: "custom", key: "custom", headers: "custom" }"#
        );
        assert_eq!(
            merged.describe().as_deref(),
            Some("custom deserializers: payload, key, headers")
        );
        assert_eq!(
            Deserializers::new().or(&Deserializers::new()).describe(),
            None
        );
    }
}
