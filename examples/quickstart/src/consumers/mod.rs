//! The app's consumers.

mod example_consumer;

pub use example_consumer::ExampleConsumer;
