//! `swarm`: run the server in several node processes under a supervisor.

use clap::Args;

use super::server::Filters;
use crate::App;

/// `swarm`'s arguments: the nodes, and the filters every node consumes with.
#[derive(Debug, Args)]
pub(super) struct SwarmArgs {
    /// How many node processes to run (default: the `swarm.nodes` setting, 3).
    #[arg(long)]
    nodes: Option<usize>,
    #[command(flatten)]
    filters: Filters,
}

pub(super) async fn run(app: App, args: &SwarmArgs) -> anyhow::Result<u8> {
    let config = app.config().clone();
    let nodes = args.nodes.unwrap_or(config.swarm.nodes);
    anyhow::ensure!(nodes > 0, "--nodes must be at least 1");
    // Checked once here rather than failing in every node, again and again.
    drop(app.server().select(&args.filters.selection())?);
    crate::swarm::supervise(&config, nodes, args.filters.to_args()).await
}
