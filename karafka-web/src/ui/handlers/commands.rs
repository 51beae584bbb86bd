//! `POST /commands`: sends a process a command through the commands topic.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Form;
use maud::html;
use serde::Deserialize;

use super::outcome;
use crate::ui::actions;
use crate::ui::pages::layout::Nav;
use crate::ui::state::Shared;

/// The form of a command: the process and the command ([`actions`] encoding).
#[derive(Debug, Deserialize)]
pub struct CommandForm {
    process_id: String,
    command: String,
}

/// `POST /commands`.
pub async fn send(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Form(form): Form<CommandForm>,
) -> Response {
    let Some(command) = actions::parse(&form.command) else {
        return (
            StatusCode::BAD_REQUEST,
            format!("`{}` is not a command", form.command),
        )
            .into_response();
    };
    let result = shared
        .commander
        .send(&form.process_id, command)
        .await
        .map(|id| {
            html! {
                p.command-sent data-command-id=(id) {
                    "Sent `" (form.command) "` to " (form.process_id) " (command " (id) "); its answer appears under Command answers."
                }
            }
        })
        .map_err(|error| error.to_string());
    outcome(&headers, Nav::Consumers, "/consumers", result)
}
