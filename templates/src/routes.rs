//! The karafka app: settings and routes.

use karafka::routes;
use karafka::{App, Config};

use crate::consumers::ExampleConsumer;

/// Builds the app from `karafka.toml`, `KARAFKA_*` variables and the routes below. The server
/// (`src/main.rs`) and app code that produces (`src/bin/produce.rs`) both start here.
pub fn app() -> anyhow::Result<App> {
    Ok(App::builder()
        .config(Config::load()?)
        // Every commented line in the routes is ready to uncomment:
        // - `defaults { layer }`: a tower layer around every topic's consumer, here one that logs
        //   each batch before its consumer. A layer that also sees the result (timing, error
        //   reporting) implements `tower::Layer` and `tower::Service` itself.
        // - `dead_letter_queue`: a message still failing after 3 retries goes to `example_dlq`,
        //   with headers saying where it came from and why, and the partition moves on. The
        //   inactive `example_dlq` route declares that topic, so `topics migrate` creates it.
        // - `virtual_partitions`: messages of one key in order, of different keys in parallel,
        //   with up to 5 consumer instances per partition.
        .routes(routes! {
            // defaults {
            //     layer: tower::util::MapRequestLayer::new(|ctx: karafka::Context| {
            //         tracing::debug!(messages = ctx.messages().len(), "batch of {}", ctx.topic());
            //         ctx
            //     }),
            // }
            topic "example" {
                consumer: ExampleConsumer,
                config: { partitions: 1 },
                // dead_letter_queue: { topic: "example_dlq", max_retries: 3 },
                // virtual_partitions: {
                //     partitioner: |m| m.key().map(<[u8]>::to_vec),
                //     max_partitions: 5,
                // },
            }
            // topic "example_dlq" { consumer: ExampleConsumer, active: false }
        })
        .build()?)
}
