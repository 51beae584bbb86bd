//! A message's key, headers and payload as the explorer and the dead letters show them.

use maud::{html, Markup};

use super::format;

/// A payload cell: hidden, absent (tombstone), or shown by [`format::payload`].
pub fn payload(payload: Option<&[u8]>, hidden: bool) -> Markup {
    if hidden {
        return html! { span.payload.hidden { "hidden (web.hidden_payloads)" } };
    }
    match payload {
        None => html! { span.payload.tombstone { "null" } },
        Some(bytes) => {
            let (shown, cut) = format::payload(bytes);
            html! {
                pre class=(shown.class()) data-bytes=(bytes.len()) { (shown.text()) }
                @if cut { p.cut { "Showing the first " (format::bytes(format::PAYLOAD_SHOWN as u64)) " of " (format::bytes(bytes.len() as u64)) "." } }
            }
        }
    }
}

/// A key cell.
pub fn key(key: Option<&[u8]>) -> Markup {
    match key {
        Some(key) => html! { code.key { (format::lossless(key)) } },
        None => html! { span.key.none { "-" } },
    }
}

/// A time cell.
pub fn time(timestamp_ms: Option<i64>) -> Markup {
    html! { span.time data-ms=[timestamp_ms] { (timestamp_ms.map_or_else(|| "-".to_owned(), format::time)) } }
}
