//! The stylesheet and the vendored htmx, compiled into the binary: pages reference no outside
//! URL and work offline.

use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

const APP_CSS: &str = include_str!("../../assets/app.css");
/// htmx 2.0.11 (`assets/vendor/htmx/README.md`).
const HTMX: &str = include_str!("../../assets/vendor/htmx/htmx.min.js");
const HTMX_LICENSE: &str = include_str!("../../assets/vendor/htmx/LICENSE");

/// `/assets/{*path}`.
pub async fn serve(Path(path): Path<String>) -> Response {
    let (kind, body) = match path.as_str() {
        "app.css" => ("text/css; charset=utf-8", APP_CSS),
        "vendor/htmx/htmx.min.js" => ("text/javascript; charset=utf-8", HTMX),
        "vendor/htmx/LICENSE" => ("text/plain; charset=utf-8", HTMX_LICENSE),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    (
        [
            (header::CONTENT_TYPE, kind),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}
