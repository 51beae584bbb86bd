//! `server`: consume until SIGINT/SIGTERM.

use clap::Args;

use crate::server::Selection;
use crate::App;

/// Which parts of the routes this process consumes (comma-separated names).
#[derive(Debug, Args)]
pub(super) struct ServerArgs {
    /// Consume only these consumer groups.
    #[arg(long, value_delimiter = ',')]
    include_consumer_groups: Vec<String>,
    /// Do not consume these consumer groups.
    #[arg(long, value_delimiter = ',')]
    exclude_consumer_groups: Vec<String>,
    /// Consume only these subscription groups.
    #[arg(long, value_delimiter = ',')]
    include_subscription_groups: Vec<String>,
    /// Do not consume these subscription groups.
    #[arg(long, value_delimiter = ',')]
    exclude_subscription_groups: Vec<String>,
    /// Consume only these topics.
    #[arg(long, value_delimiter = ',')]
    include_topics: Vec<String>,
    /// Do not consume these topics.
    #[arg(long, value_delimiter = ',')]
    exclude_topics: Vec<String>,
}

pub(super) async fn run(app: App, args: &ServerArgs) -> anyhow::Result<u8> {
    let selection = Selection {
        include_consumer_groups: args.include_consumer_groups.clone(),
        exclude_consumer_groups: args.exclude_consumer_groups.clone(),
        include_subscription_groups: args.include_subscription_groups.clone(),
        exclude_subscription_groups: args.exclude_subscription_groups.clone(),
        include_topics: args.include_topics.clone(),
        exclude_topics: args.exclude_topics.clone(),
    };
    let shutdown = app.server().select(&selection)?.run().await?;
    Ok(shutdown.exit_code())
}
