//! {{app_name}}, the karafka app: settings, routes and consumers. Every binary of the package
//! reaches it here: `src/main.rs` runs its command line, `src/bin/produce.rs` produces from app
//! code.

pub mod consumers;
mod routes;

pub use routes::app;
