//! Who may do what: state-changing requests are same-origin POSTs carrying the configured
//! credential; with `protect_pages`, reading needs it too. [`guard::judge`] decides,
//! [`layer`] applies it to every route.

mod credential;
mod guard;

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use maud::html;

pub use credential::{constant_time_eq, Credentials};
pub use guard::{judge, Verdict, CROSS_SITE, NO_CREDENTIAL, WRONG_CREDENTIAL};

/// The policy [`layer`] enforces.
#[derive(Clone)]
pub struct Policy {
    /// The accepted credentials.
    pub credentials: Credentials,
    /// Whether reading needs the credential too.
    pub protect_pages: bool,
}

/// The middleware: answers 401 or 403 itself, or passes the request on.
pub async fn layer(State(policy): State<Arc<Policy>>, request: Request, next: Next) -> Response {
    match judge(
        &policy.credentials,
        policy.protect_pages,
        request.method(),
        request.headers(),
    ) {
        Verdict::Allow => next.run(request).await,
        Verdict::Challenge => (
            StatusCode::UNAUTHORIZED,
            [(
                header::WWW_AUTHENTICATE,
                "Basic realm=\"karafka\", charset=\"UTF-8\"",
            )],
            "log in with web.username and web.password",
        )
            .into_response(),
        // HTML, escaped: htmx swaps it into the page as is.
        Verdict::Forbid(reason) => (
            StatusCode::FORBIDDEN,
            html! { p.notice.error.refused { (reason) } },
        )
            .into_response(),
    }
}
