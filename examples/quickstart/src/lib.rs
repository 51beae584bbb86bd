//! The quickstart app: one topic, one consumer that logs each payload. The app lives in the
//! library so every binary of the package reaches it.

pub mod consumers;
mod routes;

pub use routes::app;
