//! Kafka record headers.

/// One header: a key and an optional value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// The header's key.
    pub key: String,
    /// The header's value; `None` for a header sent with a null value.
    pub value: Option<Vec<u8>>,
}

/// The headers of a message, in the order they were sent. Kafka allows a key more than once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers(Vec<Header>);

impl Headers {
    /// No headers.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a header.
    pub fn insert(&mut self, key: impl Into<String>, value: Option<Vec<u8>>) {
        self.0.push(Header {
            key: key.into(),
            value,
        });
    }

    /// The value of the last header named `key` (a later header overrides an earlier one, as in a
    /// map); `None` when absent or sent with a null value.
    pub fn get(&self, key: &str) -> Option<&[u8]> {
        self.0
            .iter()
            .rev()
            .find(|header| header.key == key)
            .and_then(|header| header.value.as_deref())
    }

    /// Like [`Headers::get`], as UTF-8 text; `None` when absent or not UTF-8.
    pub fn get_str(&self, key: &str) -> Option<&str> {
        self.get(key)
            .and_then(|value| std::str::from_utf8(value).ok())
    }

    /// Every header, in the order sent.
    pub fn iter(&self) -> std::slice::Iter<'_, Header> {
        self.0.iter()
    }

    /// How many headers there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<'a> IntoIterator for &'a Headers {
    type Item = &'a Header;
    type IntoIter = std::slice::Iter<'a, Header>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl FromIterator<Header> for Headers {
    fn from_iter<I: IntoIterator<Item = Header>>(iter: I) -> Self {
        Self(iter.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_header_of_a_key_wins() {
        let mut headers = Headers::new();
        headers.insert("kind", Some(b"a".to_vec()));
        headers.insert("kind", Some(b"b".to_vec()));
        headers.insert("empty", None);
        assert_eq!(headers.get_str("kind"), Some("b"));
        assert_eq!(headers.get("empty"), None);
        assert_eq!(headers.get("absent"), None);
        assert_eq!(headers.len(), 3);
    }
}
