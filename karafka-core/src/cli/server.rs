//! `server`: consume until SIGINT/SIGTERM.

use clap::Args;

use crate::server::Selection;
use crate::App;

/// Which parts of the routes this process consumes (comma-separated names).
#[derive(Debug, Args)]
pub(super) struct Filters {
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

impl Filters {
    pub(super) fn selection(&self) -> Selection {
        Selection {
            include_consumer_groups: self.include_consumer_groups.clone(),
            exclude_consumer_groups: self.exclude_consumer_groups.clone(),
            include_subscription_groups: self.include_subscription_groups.clone(),
            exclude_subscription_groups: self.exclude_subscription_groups.clone(),
            include_topics: self.include_topics.clone(),
            exclude_topics: self.exclude_topics.clone(),
        }
    }

    /// The filters as `server` arguments, for the nodes of a swarm.
    pub(super) fn to_args(&self) -> Vec<String> {
        [
            ("--include-consumer-groups", &self.include_consumer_groups),
            ("--exclude-consumer-groups", &self.exclude_consumer_groups),
            (
                "--include-subscription-groups",
                &self.include_subscription_groups,
            ),
            (
                "--exclude-subscription-groups",
                &self.exclude_subscription_groups,
            ),
            ("--include-topics", &self.include_topics),
            ("--exclude-topics", &self.exclude_topics),
        ]
        .into_iter()
        .filter(|(_, names)| !names.is_empty())
        .flat_map(|(flag, names)| [flag.to_owned(), names.join(",")])
        .collect()
    }
}

/// `server`'s arguments.
#[derive(Debug, Args)]
pub(super) struct ServerArgs {
    #[command(flatten)]
    filters: Filters,
    /// Run as node N of a swarm (set by `swarm` for the processes it starts).
    #[arg(long, hide = true, value_name = "N")]
    swarm_node: Option<usize>,
}

pub(super) async fn run(app: App, args: &ServerArgs) -> anyhow::Result<u8> {
    let liveness_interval = app.config().swarm.liveness_interval;
    let server = app.server().select(&args.filters.selection())?;
    let shutdown = match args.swarm_node {
        Some(node) => crate::swarm::run_node(server, node, liveness_interval).await?,
        None => server.run().await?,
    };
    Ok(shutdown.exit_code())
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Debug, Parser)]
    struct Parsed {
        #[command(flatten)]
        filters: Filters,
    }

    #[test]
    fn filters_read_back_from_their_arguments() {
        let parsed = Parsed::parse_from([
            "app",
            "--include-topics",
            "a,b",
            "--exclude-consumer-groups=c",
        ]);
        let again =
            Parsed::parse_from(std::iter::once("app".to_owned()).chain(parsed.filters.to_args()));
        assert_eq!(again.filters.to_args(), parsed.filters.to_args());
        assert_eq!(
            parsed.filters.to_args(),
            ["--exclude-consumer-groups", "c", "--include-topics", "a,b"]
        );
    }
}
