//! Messages as consumers see them: one [`Message`], a batch of [`Messages`], their [`Headers`],
//! and the [`Deserializer`] that decodes payloads lazily.

mod batch;
mod deserializer;
mod error;
mod headers;
mod message;

pub use batch::{Iter, Messages};
pub use deserializer::{Deserializer, Visit};
pub use error::DecodeError;
pub use headers::{Header, Headers};
pub use message::Message;

pub(crate) use deserializer::PayloadDecoder;
pub(crate) use message::Origin;
