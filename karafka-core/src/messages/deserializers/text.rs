//! The default reading of a key and of each header value: the raw bytes as text, with scalars
//! parsed from it (as query strings and environment variables are read).

use std::str::FromStr;

use serde::de::value::{BorrowedStrDeserializer, Error};
use serde::de::{Error as _, Expected, IntoDeserializer, Unexpected, Visitor};

/// One raw value read as text: `None` for a header sent with a null value.
///
/// Strings borrow the text; numbers, `bool`s and `char`s are parsed from it; a unit enum variant
/// is named by it; `Option`s read a null value as `None`; bytes are the raw bytes. A value that
/// is not UTF-8 is handed to self-describing types (`deserialize_any`) as bytes.
#[derive(Debug, Clone, Copy)]
pub(super) struct Text<'a>(Option<&'a [u8]>);

impl<'a> Text<'a> {
    pub(super) fn new(raw: Option<&'a [u8]>) -> Self {
        Self(raw)
    }

    fn text(self, expected: &dyn Expected) -> Result<&'a str, Error> {
        let raw = self
            .0
            .ok_or_else(|| Error::invalid_type(Unexpected::Other("null"), expected))?;
        std::str::from_utf8(raw).map_err(|_| Error::invalid_type(Unexpected::Bytes(raw), expected))
    }

    fn parse<T: FromStr>(self, expected: &dyn Expected) -> Result<T, Error> {
        let text = self.text(expected)?;
        text.parse()
            .map_err(|_| Error::invalid_value(Unexpected::Str(text), expected))
    }
}

/// `deserialize_*` methods that parse the text as the type the visitor expects.
macro_rules! parsed {
    ($($method:ident => $visit:ident),* $(,)?) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            let value = self.parse(&visitor)?;
            visitor.$visit(value)
        }
    )*};
}

impl<'de> serde::Deserializer<'de> for Text<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            None => visitor.visit_none(),
            Some(raw) => match std::str::from_utf8(raw) {
                Ok(text) => visitor.visit_borrowed_str(text),
                Err(_) => visitor.visit_borrowed_bytes(raw),
            },
        }
    }

    parsed! {
        deserialize_bool => visit_bool,
        deserialize_i8 => visit_i8,
        deserialize_i16 => visit_i16,
        deserialize_i32 => visit_i32,
        deserialize_i64 => visit_i64,
        deserialize_i128 => visit_i128,
        deserialize_u8 => visit_u8,
        deserialize_u16 => visit_u16,
        deserialize_u32 => visit_u32,
        deserialize_u64 => visit_u64,
        deserialize_u128 => visit_u128,
        deserialize_f32 => visit_f32,
        deserialize_f64 => visit_f64,
        deserialize_char => visit_char,
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let text = self.text(&visitor)?;
        visitor.visit_borrowed_str(text)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Some(raw) => visitor.visit_borrowed_bytes(raw),
            None => Err(Error::invalid_type(Unexpected::Other("null"), &visitor)),
        }
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            None => visitor.visit_none(),
            Some(_) => visitor.visit_some(self),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            None => visitor.visit_unit(),
            Some(_) => self.deserialize_any(visitor),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        let text = self.text(&visitor)?;
        BorrowedStrDeserializer::new(text).deserialize_enum(name, variants, visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! { seq tuple tuple_struct map struct }
}

impl<'de> IntoDeserializer<'de, Error> for Text<'de> {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

#[cfg(test)]
mod tests {
    use std::fmt;

    use proptest::prelude::*;
    use serde::de::{DeserializeOwned, Deserializer as _};
    use serde::Deserialize;

    use super::*;

    fn read<T: DeserializeOwned>(raw: &[u8]) -> Result<T, Error> {
        T::deserialize(Text::new(Some(raw)))
    }

    /// What a self-describing type sees: text, bytes or null.
    #[derive(Debug, PartialEq)]
    enum Seen {
        Text(String),
        Bytes(Vec<u8>),
        Null,
    }

    struct SeenVisitor;

    impl Visitor<'_> for SeenVisitor {
        type Value = Seen;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("anything")
        }

        fn visit_str<E>(self, text: &str) -> Result<Seen, E> {
            Ok(Seen::Text(text.to_owned()))
        }

        fn visit_bytes<E>(self, bytes: &[u8]) -> Result<Seen, E> {
            Ok(Seen::Bytes(bytes.to_vec()))
        }

        fn visit_none<E>(self) -> Result<Seen, E> {
            Ok(Seen::Null)
        }
    }

    #[derive(Debug, PartialEq, Deserialize)]
    enum Region {
        #[serde(rename = "eu")]
        Eu,
        #[serde(rename = "us")]
        Us,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    struct OrderId(u32);

    #[test]
    fn scalars_newtypes_and_unit_variants_are_read_from_the_text() {
        assert!(read::<bool>(b"true").unwrap());
        assert!(!read::<bool>(b"false").unwrap());
        assert_eq!(read::<char>(b"x").unwrap(), 'x');
        assert_eq!(read::<f64>(b"2.5").unwrap(), 2.5);
        assert_eq!(read::<OrderId>(b"42").unwrap(), OrderId(42));
        assert_eq!(read::<Region>(b"us").unwrap(), Region::Us);
        assert_eq!(read::<Option<u8>>(b"7").unwrap(), Some(7));
    }

    #[test]
    fn a_value_that_does_not_parse_is_named_in_the_error() {
        let error = read::<u32>(b"seven").unwrap_err().to_string();
        assert!(error.contains("\"seven\""), "{error}");
        let error = read::<Region>(b"asia").unwrap_err().to_string();
        assert!(error.contains("asia"), "{error}");
        assert!(read::<char>(b"xy").is_err());
    }

    #[test]
    fn a_null_value_is_none_and_nothing_else() {
        assert_eq!(
            Option::<String>::deserialize(Text::new(None)).unwrap(),
            None
        );
        assert_eq!(<()>::deserialize(Text::new(None)).unwrap(), ());
        let error = String::deserialize(Text::new(None))
            .unwrap_err()
            .to_string();
        assert!(error.contains("null"), "{error}");
    }

    #[test]
    fn text_wanted_from_bytes_that_are_not_utf8_is_an_error() {
        assert!(read::<String>(&[0xff, 0xfe]).is_err());
        assert!(read::<u8>(&[0xff]).is_err());
    }

    proptest! {
        #[test]
        fn self_describing_types_see_text_or_else_bytes(raw in proptest::collection::vec(any::<u8>(), 0..16)) {
            let seen = Text::new(Some(&raw)).deserialize_any(SeenVisitor).unwrap();
            let expected = match String::from_utf8(raw.clone()) {
                Ok(text) => Seen::Text(text),
                Err(_) => Seen::Bytes(raw),
            };
            prop_assert_eq!(seen, expected);
        }

        #[test]
        fn any_string_reads_back_as_itself(text in any::<String>()) {
            prop_assert_eq!(read::<String>(text.as_bytes()).unwrap(), text.clone());
            prop_assert_eq!(read::<Option<String>>(text.as_bytes()).unwrap(), Some(text));
        }

        #[test]
        fn any_number_reads_back_from_its_text(unsigned in any::<u64>(), signed in any::<i64>(), wide in any::<i128>()) {
            prop_assert_eq!(read::<u64>(unsigned.to_string().as_bytes()).unwrap(), unsigned);
            prop_assert_eq!(read::<i64>(signed.to_string().as_bytes()).unwrap(), signed);
            prop_assert_eq!(read::<i128>(wide.to_string().as_bytes()).unwrap(), wide);
        }

        #[test]
        fn a_number_out_of_range_is_an_error(value in (u64::from(u32::MAX) + 1)..=u64::MAX) {
            prop_assert!(read::<u32>(value.to_string().as_bytes()).is_err());
        }
    }

    #[test]
    fn bytes_read_the_raw_value() {
        struct BytesVisitor;
        impl Visitor<'_> for BytesVisitor {
            type Value = Vec<u8>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("bytes")
            }
            fn visit_bytes<E>(self, bytes: &[u8]) -> Result<Vec<u8>, E> {
                Ok(bytes.to_vec())
            }
        }
        let raw = [0xff, 0x00, b'a'];
        let bytes = Text::new(Some(&raw))
            .deserialize_bytes(BytesVisitor)
            .unwrap();
        assert_eq!(bytes, raw);
    }
}
