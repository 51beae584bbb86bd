//! Messages as consumers see them: one [`Message`], a batch of [`Messages`], their [`Headers`],
//! and the route's [`Deserializers`] that decode payloads, keys and headers lazily.

mod batch;
mod deserializers;
mod error;
mod headers;
mod message;

pub use batch::{Iter, Messages};
pub use deserializers::{Deserializer, Deserializers, HeadersDeserializer, Visit};
pub use error::{DecodeError, MessagePart};
pub use headers::{Header, Headers};
pub use message::Message;

#[cfg(test)]
pub(crate) use deserializers::test_formats;
pub(crate) use message::Origin;
