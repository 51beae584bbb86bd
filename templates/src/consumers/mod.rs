//! The app's consumers.

mod application_consumer;
mod example_consumer;

pub use application_consumer::ApplicationConsumer;
pub use example_consumer::ExampleConsumer;
