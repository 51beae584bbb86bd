//! Whether a request carries the configured credential: a bearer token, or basic auth.

use axum::http::{header, HeaderMap};
use base64::Engine as _;
use karafka::config::{Secret, WebConfig};

/// The credentials a request may carry, from `[web]`.
#[derive(Clone, Default)]
pub struct Credentials {
    token: Option<Secret>,
    basic: Option<(String, Secret)>,
}

impl Credentials {
    /// The credentials `web` sets (none when it sets neither a token nor a password).
    pub fn new(web: &WebConfig) -> Self {
        Self {
            token: web.token.clone(),
            basic: web.username.clone().zip(web.password.clone()),
        }
    }

    /// Whether any credential is configured.
    pub fn configured(&self) -> bool {
        self.token.is_some() || self.basic.is_some()
    }

    /// Whether basic auth is configured (so a browser can be asked to log in).
    pub fn has_basic(&self) -> bool {
        self.basic.is_some()
    }

    /// Whether `headers` carry a configured credential.
    pub fn accepts(&self, headers: &HeaderMap) -> bool {
        let Some(authorization) = headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
        else {
            return false;
        };
        let (scheme, value) = authorization.split_once(' ').unwrap_or((authorization, ""));
        let value = value.trim();
        if scheme.eq_ignore_ascii_case("bearer") {
            return self.token.as_ref().is_some_and(|token| {
                constant_time_eq(token.expose().as_bytes(), value.as_bytes())
            });
        }
        if scheme.eq_ignore_ascii_case("basic") {
            let Some((user, password)) = &self.basic else {
                return false;
            };
            let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(value) else {
                return false;
            };
            let expected = format!("{user}:{}", password.expose());
            return constant_time_eq(expected.as_bytes(), &decoded);
        }
        false
    }
}

/// Compares without stopping at the first difference, so the time taken does not tell how
/// much of a guess was right (only the length may leak).
pub fn constant_time_eq(expected: &[u8], given: &[u8]) -> bool {
    if expected.len() != given.len() {
        return false;
    }
    let difference = expected
        .iter()
        .zip(given)
        .fold(0u8, |difference, (a, b)| difference | (a ^ b));
    std::hint::black_box(difference) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn equal_exactly_when_equal(a in proptest::collection::vec(any::<u8>(), 0..40), b in proptest::collection::vec(any::<u8>(), 0..40)) {
            prop_assert_eq!(constant_time_eq(&a, &b), a == b);
            prop_assert!(constant_time_eq(&a, &a));
        }
    }
}
