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
        // - `defaults { layer }`: a layer around every topic's consumer, here an async closure
        //   (`layer_fn`) that logs each batch and its outcome; any `tower::Layer` fits too.
        // - `dead_letter_queue`: a message still failing after 3 retries goes to `example_dlq`,
        //   with headers saying where it came from and why, and the partition moves on. The
        //   inactive `example_dlq` route declares that topic, so `topics migrate` creates it.
        // - `virtual_partitions`: messages of one key in order, of different keys in parallel,
        //   with up to 5 consumer instances per partition.
        .routes(routes! {
            // defaults {
            //     layer: karafka::middleware::layer_fn(|ctx, next| async move {
            //         let (topic, messages) = (ctx.topic().to_owned(), ctx.messages().len());
            //         let result = next.run(ctx).await;
            //         tracing::debug!(messages, ok = result.is_ok(), "batch of {topic}");
            //         result
            //     }),
            // }
            topic "example" {
                consumer: ExampleConsumer,
                config: { partitions: 1 },
                // dead_letter_queue: { topic: "example_dlq", max_retries: 3 },
                // virtual_partitions: karafka::middleware::VirtualPartitions::by_key()
                //     .max_partitions(5),
            }
            // topic "example_dlq" { active: false }
        })
        .build()?)
}
