//! The app: settings from `karafka.toml` and `KARAFKA_*`, and the routes.

use karafka::routing::{Routes, Topic};
use karafka::{App, Config};

use crate::consumers::ExampleConsumer;

/// Builds the app.
pub fn app() -> anyhow::Result<App> {
    Ok(App::builder()
        .config(Config::load()?)
        .routes(Routes::new().topic(Topic::new("example").consumer::<ExampleConsumer>()))
        .build()?)
}
