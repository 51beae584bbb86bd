// Formats shared by the UI test cases.

use karafka::messages::{Deserializer, Headers, HeadersDeserializer, Visit};

/// Reads bytes (payloads, keys) as JSON.
pub struct Text;

impl Deserializer for Text {
    fn deserialize(&self, bytes: &[u8], visit: Visit<'_>) -> Result<(), karafka::BoxError> {
        visit.with(&mut serde_json::Deserializer::from_slice(bytes))
    }
}

/// Reads every header's name, as a list.
pub struct HeaderNames;

impl HeadersDeserializer for HeaderNames {
    fn deserialize(&self, headers: &Headers, visit: Visit<'_>) -> Result<(), karafka::BoxError> {
        let names: Vec<&str> = headers.iter().map(|header| header.key.as_str()).collect();
        visit.with(serde_json::json!(names))
    }
}
