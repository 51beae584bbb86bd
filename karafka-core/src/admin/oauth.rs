//! OAUTHBEARER tokens of the admin clients. rust-rdkafka answers librdkafka's token refreshes
//! only while a client is polled, and nothing polls admin clients, so the admin asks the
//! provider itself once the last token is 80 % through its lifetime (as librdkafka would), and
//! hands the token to each of its clients: in a task beside them, so a connection re-authenticates
//! with a fresh token before the broker ends its session at the old one's expiry, and before
//! each request (an admin created outside a runtime has no task).

use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rdkafka::admin::AdminClient;
use rdkafka::client::{Client, ClientContext, DefaultClientContext, OAuthToken};
use rdkafka::consumer::Consumer as _;
use rdkafka::ClientConfig;

use super::context::MetadataConsumer;
use super::AdminError;
use crate::config::OAuthHook;
use crate::connection::set_oauth_token;

/// How soon a failed refresh is tried again.
const RETRY: Duration = Duration::from_secs(5);
/// The shortest wait between refreshes, so a provider handing out expired tokens cannot spin.
const MIN_WAIT: Duration = Duration::from_millis(100);

/// The provider of an admin's tokens and the token it handed out last.
pub(super) struct AdminOAuth {
    hook: OAuthHook,
    /// The last token, and when to ask for the next one.
    current: Mutex<Option<(OAuthToken, SystemTime)>>,
}

impl AdminOAuth {
    /// Tokens from `hook`, when it has a provider and the admin's clients (of `config`) log in
    /// with OAUTHBEARER.
    pub(super) fn new(hook: OAuthHook, config: &ClientConfig) -> Option<Self> {
        hook.serves(config).then(|| Self {
            hook,
            current: Mutex::new(None),
        })
    }

    /// A token no older than 80 % of its lifetime: the last one, or a new one from the
    /// provider.
    pub(super) async fn fresh(&self) -> Result<OAuthToken, AdminError> {
        if let Some((token, due)) = &*self.lock() {
            if SystemTime::now() < *due {
                return Ok(copy(token));
            }
        }
        let token = self
            .hook
            .token()
            .await
            .map_err(|error| AdminError::OAuth(error.to_string()))?;
        *self.lock() = Some((copy(&token), refresh_at(&token, SystemTime::now())));
        Ok(token)
    }

    /// Hands the last token to `client` (one created after it was fetched).
    pub(super) fn authorize<C: ClientContext>(&self, client: &Client<C>) -> Result<(), AdminError> {
        match &*self.lock() {
            Some((token, _)) => set_oauth_token(client, token).map_err(AdminError::OAuth),
            None => Ok(()),
        }
    }

    /// Keeps `admin` and `metadata` holding a fresh token until both are dropped, on the current
    /// runtime (if there is one).
    pub(super) fn keep_fresh(
        self: &Arc<Self>,
        admin: &Arc<AdminClient<DefaultClientContext>>,
        metadata: &Arc<MetadataConsumer>,
    ) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let (oauth, admin, metadata) = (
            Arc::clone(self),
            Arc::downgrade(admin),
            Arc::downgrade(metadata),
        );
        runtime.spawn(async move { oauth.refresh(admin, metadata).await });
    }

    async fn refresh(
        &self,
        admin: Weak<AdminClient<DefaultClientContext>>,
        metadata: Weak<MetadataConsumer>,
    ) {
        loop {
            let next = match self.fresh().await {
                Ok(_) => {
                    let (Some(admin), Some(metadata)) = (admin.upgrade(), metadata.upgrade())
                    else {
                        return;
                    };
                    if let Err(error) = self
                        .authorize(admin.inner())
                        .and_then(|()| self.authorize(metadata.client()))
                    {
                        tracing::warn!(%error, "the admin client refused its OAuth token");
                    }
                    self.due()
                        .and_then(|due| due.duration_since(SystemTime::now()).ok())
                        .unwrap_or(RETRY)
                }
                Err(error) => {
                    tracing::warn!(%error, "refreshing the admin's OAuth token failed; retrying in {} s", RETRY.as_secs());
                    RETRY
                }
            };
            tokio::time::sleep(next.max(MIN_WAIT)).await;
            if admin.strong_count() == 0 {
                return;
            }
        }
    }

    /// When the last token is due for a refresh.
    fn due(&self) -> Option<SystemTime> {
        self.lock().as_ref().map(|(_, due)| *due)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<(OAuthToken, SystemTime)>> {
        // Only ever replaced whole.
        self.current.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn copy(token: &OAuthToken) -> OAuthToken {
    OAuthToken {
        token: token.token.clone(),
        principal_name: token.principal_name.clone(),
        lifetime_ms: token.lifetime_ms,
    }
}

/// When a token fetched at `now` is due for a refresh: at 80 % of its remaining lifetime.
fn refresh_at(token: &OAuthToken, now: SystemTime) -> SystemTime {
    let expires = UNIX_EPOCH + Duration::from_millis(u64::try_from(token.lifetime_ms).unwrap_or(0));
    let left = expires.duration_since(now).unwrap_or_default();
    now + left.mul_f64(0.8)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// The refresh comes after the fetch and before the expiry, 80 % of the way.
        #[test]
        fn refreshed_before_expiry(now_s in 1_000_000u64..2_000_000_000, lifetime_s in 1u64..100_000) {
            let now = UNIX_EPOCH + Duration::from_secs(now_s);
            let token = OAuthToken {
                token: String::new(),
                principal_name: String::new(),
                lifetime_ms: i64::try_from((now_s + lifetime_s) * 1_000).unwrap_or(i64::MAX),
            };
            let at = refresh_at(&token, now);
            let expires = now + Duration::from_secs(lifetime_s);
            prop_assert!(at > now && at < expires);
            let expected = now + Duration::from_secs(lifetime_s).mul_f64(0.8);
            prop_assert_eq!(at, expected);
        }
    }

    #[test]
    fn an_expired_token_is_due_at_once() {
        let now = SystemTime::now();
        let token = OAuthToken {
            token: String::new(),
            principal_name: String::new(),
            lifetime_ms: 0,
        };
        assert_eq!(refresh_at(&token, now), now);
    }
}
