//! The default view of a message's headers: a map of name to value, each value read as
//! [`Text`], so a struct of the headers a consumer cares about decodes from them.

use std::collections::HashSet;

use serde::de::value::{BorrowedStrDeserializer, Error, MapDeserializer};
use serde::de::{IntoDeserializer, Visitor};

use super::text::Text;
use crate::messages::Headers;

/// The headers as a map. Kafka allows a name more than once; as in [`Headers::get`], the last
/// header of a name wins, so a struct does not see a duplicate field.
#[derive(Debug, Clone, Copy)]
pub(super) struct HeaderMap<'a>(&'a Headers);

impl<'a> HeaderMap<'a> {
    pub(super) fn new(headers: &'a Headers) -> Self {
        Self(headers)
    }

    fn map(self) -> MapDeserializer<'a, impl Iterator<Item = (Name<'a>, Text<'a>)>, Error> {
        let mut seen = HashSet::new();
        let mut last: Vec<_> = self
            .0
            .iter()
            .rev()
            .filter(|header| seen.insert(header.key.as_str()))
            .map(|header| (Name(&header.key), Text::new(header.value.as_deref())))
            .collect();
        last.reverse();
        MapDeserializer::new(last.into_iter())
    }
}

/// A header's name, handed over borrowed (so maps keyed by `&str` work too).
struct Name<'a>(&'a str);

impl<'a> IntoDeserializer<'a, Error> for Name<'a> {
    type Deserializer = BorrowedStrDeserializer<'a, Error>;

    fn into_deserializer(self) -> Self::Deserializer {
        BorrowedStrDeserializer::new(self.0)
    }
}

impl<'de> serde::Deserializer<'de> for HeaderMap<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.map().deserialize_any(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf unit
        unit_struct seq tuple tuple_struct map struct enum identifier
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashMap};

    use proptest::prelude::*;
    use serde::de::DeserializeOwned;
    use serde::Deserialize;

    use super::*;
    use crate::messages::Header;

    fn read<T: DeserializeOwned>(headers: &Headers) -> Result<T, Error> {
        T::deserialize(HeaderMap::new(headers))
    }

    fn headers(entries: &[(&str, Option<&str>)]) -> Headers {
        entries
            .iter()
            .map(|(key, value)| Header {
                key: (*key).to_owned(),
                value: value.map(|value| value.as_bytes().to_vec()),
            })
            .collect()
    }

    #[derive(Debug, PartialEq, Deserialize)]
    struct Meta {
        #[serde(rename = "trace-id")]
        trace_id: String,
        retries: u32,
        tenant: Option<String>,
        #[serde(default)]
        priority: Option<u8>,
    }

    #[test]
    fn a_struct_reads_the_headers_it_names_parsed_from_text() {
        let meta: Meta = read(&headers(&[
            ("trace-id", Some("abc")),
            ("retries", Some("2")),
            ("retries", Some("3")),
            ("tenant", None),
            ("ignored", Some("x")),
        ]))
        .unwrap();
        assert_eq!(
            meta,
            Meta {
                trace_id: "abc".into(),
                retries: 3,
                tenant: None,
                priority: None,
            }
        );
    }

    #[test]
    fn a_missing_or_malformed_header_is_an_error_naming_it() {
        let missing = read::<Meta>(&headers(&[("retries", Some("1"))]))
            .unwrap_err()
            .to_string();
        assert!(missing.contains("trace-id"), "{missing}");
        let malformed = read::<Meta>(&headers(&[("trace-id", Some("a")), ("retries", Some("x"))]))
            .unwrap_err()
            .to_string();
        assert!(malformed.contains("\"x\""), "{malformed}");
    }

    #[test]
    fn no_headers_read_as_an_empty_map_or_some() {
        let empty = Headers::new();
        assert!(read::<HashMap<String, String>>(&empty).unwrap().is_empty());
        assert_eq!(
            read::<Option<BTreeMap<String, String>>>(&empty).unwrap(),
            Some(BTreeMap::new())
        );
        assert!(read::<Vec<String>>(&empty).is_err(), "headers are a map");
    }

    proptest! {
        #[test]
        fn the_map_is_the_last_value_of_each_name_like_get(
            entries in proptest::collection::vec(
                ("[abc]", proptest::option::of("[a-z0-9]{0,4}")),
                0..12,
            )
        ) {
            let all: Headers = entries
                .iter()
                .map(|(key, value)| Header { key: key.clone(), value: value.clone().map(String::into_bytes) })
                .collect();
            let mut expected = BTreeMap::new();
            for (key, value) in &entries {
                expected.insert(key.clone(), value.clone());
            }
            let map = BTreeMap::<&str, Option<String>>::deserialize(HeaderMap::new(&all)).unwrap();
            prop_assert_eq!(map.len(), expected.len());
            for (key, value) in &expected {
                prop_assert_eq!(map.get(key.as_str()), Some(value));
                prop_assert_eq!(all.get_str(key), value.as_deref());
            }
        }
    }
}
