//! Copying a librdkafka message into an owned [`Message`].

use std::sync::Arc;

use rdkafka::message::{BorrowedMessage, Headers as _};
use rdkafka::Message as _;

use crate::messages::{Header, Headers, Message, Origin};

pub(super) fn to_message(borrowed: &BorrowedMessage<'_>, origin: &Arc<Origin>) -> Message {
    let mut message = Message::from_parts(
        Arc::clone(origin),
        borrowed.offset(),
        borrowed.payload().map(<[u8]>::to_vec),
    );
    if let Some(key) = borrowed.key() {
        message = message.with_key(key);
    }
    if let Some(headers) = borrowed.headers() {
        message = message.with_headers(
            headers
                .iter()
                .map(|header| Header {
                    key: header.key.to_owned(),
                    value: header.value.map(<[u8]>::to_vec),
                })
                .collect::<Headers>(),
        );
    }
    match borrowed.timestamp().to_millis() {
        Some(millis) => message.with_timestamp_millis(millis),
        None => message,
    }
}
