//! What to do with a request, from its method and headers alone. Pure: the middleware in
//! [`super`] only applies the verdict.

use axum::http::{header, HeaderMap, Method};

use super::credential::Credentials;

/// What to do with a request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Verdict {
    /// Serve it.
    Allow,
    /// Ask the browser to log in (401 with `WWW-Authenticate: Basic`).
    Challenge,
    /// Refuse it (403), saying why.
    Forbid(&'static str),
}

/// Why a state-changing request is refused when no credential is configured.
pub const NO_CREDENTIAL: &str =
    "commands and replays are disabled: set web.token (or web.username and web.password)";
/// Why a request from another site is refused.
pub const CROSS_SITE: &str = "cross-site requests are refused";
/// Why a request without the credential is refused.
pub const WRONG_CREDENTIAL: &str =
    "this needs the web.token as `Authorization: Bearer <token>` or web.username and web.password";

/// The verdict on a request of `method` with `headers`: only GET and HEAD read; anything else
/// changes state and needs a same-origin request with the credential; reads need it too when
/// `protect_pages`.
pub fn judge(
    credentials: &Credentials,
    protect_pages: bool,
    method: &Method,
    headers: &HeaderMap,
) -> Verdict {
    let reads = method == Method::GET || method == Method::HEAD;
    if reads {
        if protect_pages && !credentials.accepts(headers) {
            return Verdict::Challenge;
        }
        return Verdict::Allow;
    }
    if !same_origin(headers) {
        return Verdict::Forbid(CROSS_SITE);
    }
    if !credentials.configured() {
        return Verdict::Forbid(NO_CREDENTIAL);
    }
    if credentials.accepts(headers) {
        return Verdict::Allow;
    }
    // A browser that has not logged in sends nothing: ask it to, as the pages do, so the
    // buttons work without `protect_pages`. A wrong credential is refused outright.
    if credentials.has_basic() && !headers.contains_key(header::AUTHORIZATION) {
        return Verdict::Challenge;
    }
    Verdict::Forbid(WRONG_CREDENTIAL)
}

/// Whether the request comes from this site: `Sec-Fetch-Site`, when sent, is `same-origin` or
/// `none` (typed by the user); `Origin`, when sent, names the host the request was sent to.
fn same_origin(headers: &HeaderMap) -> bool {
    let text = |name| {
        headers
            .get(name)
            .map(|value| value.to_str().unwrap_or("\u{0}"))
    };
    if let Some(site) = text(header::HeaderName::from_static("sec-fetch-site")) {
        if site != "same-origin" && site != "none" {
            return false;
        }
    }
    match text(header::ORIGIN) {
        None => true,
        Some(origin) => {
            let authority = origin
                .split_once("://")
                .map_or(origin, |(_, authority)| authority);
            text(header::HOST).is_some_and(|host| host.eq_ignore_ascii_case(authority))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;
    use base64::Engine as _;
    use karafka::config::{Secret, WebConfig};
    use proptest::prelude::*;

    fn credentials() -> Credentials {
        Credentials::new(&WebConfig {
            token: Some(Secret::new("s3cret")),
            username: Some("admin".into()),
            password: Some(Secret::new("pw")),
            ..WebConfig::default()
        })
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            if let Ok(value) = HeaderValue::from_str(value) {
                headers.insert(*name, value);
            }
        }
        headers
    }

    #[test]
    fn posts_need_the_token_or_basic_auth() {
        let basic = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode("admin:pw")
        );
        let cases = [
            (vec![], Verdict::Challenge),
            (
                vec![("authorization", "Bearer wrong")],
                Verdict::Forbid(WRONG_CREDENTIAL),
            ),
            (vec![("authorization", "Bearer s3cret")], Verdict::Allow),
            (vec![("authorization", basic.as_str())], Verdict::Allow),
            (
                vec![
                    ("authorization", "Bearer s3cret"),
                    ("sec-fetch-site", "cross-site"),
                ],
                Verdict::Forbid(CROSS_SITE),
            ),
            (
                vec![
                    ("authorization", "Bearer s3cret"),
                    ("origin", "http://evil.test"),
                    ("host", "ui:3000"),
                ],
                Verdict::Forbid(CROSS_SITE),
            ),
            (
                vec![
                    ("authorization", "Bearer s3cret"),
                    ("origin", "http://ui:3000"),
                    ("host", "ui:3000"),
                    ("sec-fetch-site", "same-origin"),
                ],
                Verdict::Allow,
            ),
        ];
        for (pairs, verdict) in cases {
            assert_eq!(
                judge(&credentials(), false, &Method::POST, &headers(&pairs)),
                verdict,
                "{pairs:?}"
            );
        }
    }

    #[test]
    fn a_token_only_setup_refuses_a_post_without_it() {
        let token_only = Credentials::new(&WebConfig {
            token: Some(Secret::new("s3cret")),
            ..WebConfig::default()
        });
        assert_eq!(
            judge(&token_only, false, &Method::POST, &HeaderMap::new()),
            Verdict::Forbid(WRONG_CREDENTIAL)
        );
    }

    #[test]
    fn without_a_credential_commands_are_refused_naming_the_setting() {
        let verdict = judge(
            &Credentials::default(),
            false,
            &Method::POST,
            &HeaderMap::new(),
        );
        assert_eq!(verdict, Verdict::Forbid(NO_CREDENTIAL));
        assert!(NO_CREDENTIAL.contains("web.token"));
    }

    #[test]
    fn protected_pages_challenge_until_logged_in() {
        let none = HeaderMap::new();
        assert_eq!(
            judge(&credentials(), false, &Method::GET, &none),
            Verdict::Allow
        );
        assert_eq!(
            judge(&credentials(), true, &Method::GET, &none),
            Verdict::Challenge
        );
        let bearer = headers(&[("authorization", "Bearer s3cret")]);
        assert_eq!(
            judge(&credentials(), true, &Method::GET, &bearer),
            Verdict::Allow
        );
    }

    proptest! {
        #[test]
        fn no_guessed_token_passes(guess in "[ -~]{0,20}") {
            prop_assume!(guess != "s3cret");
            let request = headers(&[("authorization", &format!("Bearer {guess}"))]);
            prop_assert_ne!(judge(&credentials(), false, &Method::POST, &request), Verdict::Allow);
        }
    }
}
