//! The karafka app: settings and routes.

use karafka::{routes, App, Config};

use crate::consumers::ExampleConsumer;

/// Builds the app from `karafka.toml`, `KARAFKA_*` variables and the routes below.
pub fn app() -> anyhow::Result<App> {
    Ok(App::builder()
        .config(Config::load()?)
        .routes(routes! {
            topic "example" {
                consumer: ExampleConsumer,
                config: { partitions: 1 },
            }
        })
        .build()?)
}
