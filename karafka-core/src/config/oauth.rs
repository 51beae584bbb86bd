//! SASL/OAUTHBEARER tokens from the app: the [`OAuthTokenProvider`] hook, and the bridge that
//! answers librdkafka's token refreshes with it.
//!
//! librdkafka asks for a token when a client starts and again at 80 % of the last token's
//! lifetime, so a token is refreshed before it expires. Consumers and producers ask from the
//! thread that polls them (rust-rdkafka's `generate_oauth_token`); admin clients, which nothing
//! polls, set a token before each request that needs a new one.

use std::fmt;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use rdkafka::ClientConfig;
use tokio::runtime::Handle;

use super::Secret;
use crate::BoxError;

/// How long a client waits for the provider before it reports the refresh as failed.
const PROVIDER_TIMEOUT: Duration = Duration::from_secs(30);

/// A SASL/OAUTHBEARER token: what an [`OAuthTokenProvider`] returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthToken {
    /// The token sent to the broker (a JWT, an MSK IAM signature, ...). Never shown.
    pub token: Secret,
    /// The principal the token is for (the JWT's `sub`, say), as the client names it in logs.
    pub principal_name: String,
    /// When the token expires; librdkafka asks for the next one at 80 % of its lifetime.
    pub expires_at: SystemTime,
}

impl OAuthToken {
    /// A token for `principal_name` that expires `lifetime` from now.
    pub fn new(
        token: impl Into<String>,
        principal_name: impl Into<String>,
        lifetime: Duration,
    ) -> Self {
        Self {
            token: Secret::new(token),
            principal_name: principal_name.into(),
            expires_at: SystemTime::now() + lifetime,
        }
    }
}

/// Supplies SASL/OAUTHBEARER tokens to every client of the app (consumers, producer, admin)
/// when `kafka."sasl.mechanism"` is `OAUTHBEARER`: an OIDC client-credentials request, an MSK
/// IAM signer, a token file. Set it with [`Config::oauth_token_provider`](crate::Config::oauth_token_provider)
/// (Karafka's `oauth.token_provider_listener`).
///
/// `token` runs on the app's tokio runtime (the one the client was created in), from the
/// thread that polls the client, at a client's start and then before each token expires. An
/// error (or no answer within 30 s) fails the refresh: librdkafka keeps the previous token and
/// asks again; a client that never got a token cannot connect, and the server gives up at start
/// ([`Error::Refused`](crate::Error::Refused)).
#[async_trait]
pub trait OAuthTokenProvider: Send + Sync + 'static {
    /// A fresh token.
    async fn token(&self) -> Result<OAuthToken, BoxError>;
}

/// Settings of SASL/OAUTHBEARER that are code, not text: not read from `karafka.toml`.
#[derive(Clone, Default)]
pub struct OAuthConfig {
    /// Supplies the tokens (Karafka's `oauth.token_provider_listener`). Default none: with
    /// `OAUTHBEARER` librdkafka then needs `enable.sasl.oauthbearer.unsecure.jwt` (tests) or
    /// `sasl.oauthbearer.method = "oidc"` (not in this build, see the README).
    pub token_provider_listener: Option<Arc<dyn OAuthTokenProvider>>,
}

impl fmt::Debug for OAuthConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthConfig")
            .field(
                "token_provider_listener",
                &self.token_provider_listener.as_ref().map(|_| "set"),
            )
            .finish()
    }
}

impl PartialEq for OAuthConfig {
    fn eq(&self, other: &Self) -> bool {
        match (
            &self.token_provider_listener,
            &other.token_provider_listener,
        ) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            (None, None) => true,
            _ => false,
        }
    }
}

/// What rust-rdkafka's `ClientContext::generate_oauth_token` returns.
pub(crate) type TokenResult = Result<rdkafka::client::OAuthToken, Box<dyn std::error::Error>>;

/// The provider of one client, with the runtime to run it on.
#[derive(Clone, Default)]
pub(crate) struct OAuthHook {
    provider: Option<Arc<dyn OAuthTokenProvider>>,
    /// The runtime the client was created in; `None` outside one (a private runtime then runs
    /// each refresh).
    runtime: Option<Handle>,
}

impl OAuthHook {
    /// The hook of `config`, running its provider on the current runtime (if any).
    pub(crate) fn new(config: &OAuthConfig) -> Self {
        Self {
            provider: config.token_provider_listener.clone(),
            runtime: Handle::try_current().ok(),
        }
    }

    /// Whether a provider is set and a client of `config` logs in with OAUTHBEARER.
    pub(crate) fn serves(&self, config: &ClientConfig) -> bool {
        self.provider.is_some()
            && ["sasl.mechanism", "sasl.mechanisms"].iter().any(|key| {
                config
                    .get(key)
                    .is_some_and(|mechanism| mechanism.trim().eq_ignore_ascii_case("OAUTHBEARER"))
            })
    }

    /// A token from the provider, in librdkafka's terms; at most 30 s.
    pub(crate) async fn token(&self) -> Result<rdkafka::client::OAuthToken, BoxError> {
        let provider = self.provider.as_ref().ok_or(
            "`sasl.mechanism` is OAUTHBEARER but no OAuth token provider is set \
             (Config::oauth_token_provider)",
        )?;
        let token = tokio::time::timeout(PROVIDER_TIMEOUT, provider.token())
            .await
            .map_err(|_| {
                format!(
                    "the OAuth token provider did not answer within {} s",
                    PROVIDER_TIMEOUT.as_secs()
                )
            })??;
        Ok(rdkafka::client::OAuthToken {
            token: token.token.expose().to_owned(),
            principal_name: token.principal_name,
            lifetime_ms: epoch_millis(token.expires_at),
        })
    }

    /// [`OAuthHook::fetch`] for rust-rdkafka's `generate_oauth_token`, whose errors need not be
    /// `Send`.
    pub(crate) fn generate(&self) -> TokenResult {
        self.fetch()
            .map_err(|error| -> Box<dyn std::error::Error> { error })
    }

    /// [`OAuthHook::token`], blocking the calling thread, which must not run async tasks (a
    /// librdkafka poll thread, or a blocking section of the runtime).
    pub(crate) fn fetch(&self) -> Result<rdkafka::client::OAuthToken, BoxError> {
        // A panicking provider fails the refresh instead of the thread that polls the client.
        std::panic::catch_unwind(AssertUnwindSafe(|| match &self.runtime {
            Some(runtime) => runtime.block_on(self.token()),
            None => tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?
                .block_on(self.token()),
        }))
        .map_err(|_| "the OAuth token provider panicked")?
    }
}

/// `at` in milliseconds since the Unix epoch, as librdkafka takes a token's expiry.
fn epoch_millis(at: SystemTime) -> i64 {
    at.duration_since(UNIX_EPOCH).map_or(0, |since| {
        i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixed;

    #[async_trait]
    impl OAuthTokenProvider for Fixed {
        async fn token(&self) -> Result<OAuthToken, BoxError> {
            Ok(OAuthToken::new("t0k3n", "alice", Duration::from_secs(60)))
        }
    }

    struct Failing;

    #[async_trait]
    impl OAuthTokenProvider for Failing {
        async fn token(&self) -> Result<OAuthToken, BoxError> {
            Err("the identity provider said no".into())
        }
    }

    fn hook(provider: impl OAuthTokenProvider) -> OAuthHook {
        OAuthHook::new(&OAuthConfig {
            token_provider_listener: Some(Arc::new(provider)),
        })
    }

    #[test]
    fn a_token_reaches_librdkafka_with_its_expiry() {
        let token = hook(Fixed).fetch().expect("a token");
        assert_eq!(token.token, "t0k3n");
        assert_eq!(token.principal_name, "alice");
        let in_a_minute = epoch_millis(SystemTime::now() + Duration::from_secs(60));
        assert!(
            (in_a_minute - token.lifetime_ms).abs() < 5_000,
            "{}",
            token.lifetime_ms
        );
    }

    #[test]
    fn without_a_provider_the_refresh_fails_saying_why() {
        let Err(error) = OAuthHook::default().fetch() else {
            panic!("a token without a provider")
        };
        assert!(
            error.to_string().contains("no OAuth token provider"),
            "{error}"
        );
    }

    #[test]
    fn a_provider_error_is_the_refresh_error() {
        let Err(error) = hook(Failing).fetch() else {
            panic!("a token from a failing provider")
        };
        assert!(error.to_string().contains("said no"), "{error}");
    }

    #[test]
    fn only_oauthbearer_clients_are_served() {
        let mut config = ClientConfig::new();
        assert!(!hook(Fixed).serves(&config));
        config.set("sasl.mechanism", "SCRAM-SHA-512");
        assert!(!hook(Fixed).serves(&config));
        config.set("sasl.mechanism", "oauthbearer");
        assert!(hook(Fixed).serves(&config));
        assert!(!OAuthHook::default().serves(&config));
    }

    #[test]
    fn the_debug_output_shows_no_token() {
        let token = OAuthToken::new("t0k3n", "alice", Duration::from_secs(60));
        assert!(!format!("{token:?}").contains("t0k3n"));
    }
}
