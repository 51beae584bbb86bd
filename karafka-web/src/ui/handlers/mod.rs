//! The HTTP handlers: each reads what its page needs and renders it.

pub mod board_pages;
pub mod cluster;
pub mod commands;
pub mod dead_letters;
pub mod explorer;

use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};

use super::pages::layout::{notice, page, Nav};

/// Whether htmx sent the request (it then swaps in a fragment, not a page).
fn from_htmx(headers: &HeaderMap) -> bool {
    headers.contains_key("hx-request")
}

/// The result of a command or replay: a fragment for htmx, else a page linking back.
fn outcome(headers: &HeaderMap, nav: Nav, back: &str, result: Result<Markup, String>) -> Response {
    let (status, body) = match result {
        Ok(body) => (StatusCode::OK, html! { div.outcome.ok { (body) } }),
        Err(reason) => (
            StatusCode::BAD_GATEWAY,
            html! { div.outcome.failed { (notice("error", &reason)) } },
        ),
    };
    if from_htmx(headers) {
        return (status, body).into_response();
    }
    let body = html! { (body) p { a href=(back) { "Back" } } };
    (status, page(nav, "Result", body)).into_response()
}

/// A page that could not be built because the cluster did not answer.
fn unavailable(nav: Nav, title: &str, reason: &str) -> Response {
    (
        StatusCode::BAD_GATEWAY,
        page(nav, title, notice("error", reason)),
    )
        .into_response()
}
