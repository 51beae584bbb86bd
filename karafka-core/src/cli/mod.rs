//! The app's command line: `server`, `swarm`, `info`, `topics ...`, `consumer-groups ...`,
//! `cluster` and `tasks ...`.
//!
//! An app's `main` hands its app-building function to [`run`]:
//!
//! ```no_run
//! # fn app() -> anyhow::Result<karafka::App> { unimplemented!() }
//! fn main() -> std::process::ExitCode {
//!     karafka::cli::run(app)
//! }
//! ```

mod cluster;
mod consumer_groups;
mod info;
mod server;
mod swarm;
mod tasks;
mod topics;

use std::process::ExitCode;

use clap::{ArgMatches, CommandFactory as _, FromArgMatches as _, Parser, Subcommand};

use crate::App;

/// The app's command line.
#[derive(Debug, Parser)]
#[command(version, about = "A Kafka consumer app built on karafka")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Consume the routed topics until SIGINT or SIGTERM.
    Server(server::ServerArgs),
    /// Run the server in several node processes (`--nodes`, with `server`'s filters) under a
    /// supervisor that replaces dead or silent nodes and hands signals on to them.
    Swarm(swarm::SwarmArgs),
    /// Print the framework and librdkafka versions, the settings (secrets redacted) and the routes.
    Info,
    /// Make the cluster's topics match the routes' declared topics.
    Topics(topics::TopicsArgs),
    /// Inspect, move, copy, rename and delete consumer groups' offsets.
    #[command(subcommand)]
    ConsumerGroups(consumer_groups::ConsumerGroupsCommand),
    /// Print the brokers, and each topic's partitions with their leader, replicas and in-sync
    /// replicas (under-replicated ones flagged).
    Cluster(cluster::ClusterArgs),
    /// List the recurring tasks, or enable, disable or trigger one through the process that
    /// runs them.
    #[command(subcommand)]
    Tasks(tasks::TasksCommand),
}

/// Parses the command line, builds the app with `app` and runs the command. Returns the process's
/// exit code: 0 on success, 1 on an error (printed as one line), 2 when a server's shutdown timed
/// out or `--detailed-exitcode` reports changes; `swarm` exits with its worst node's code.
///
/// `--version` names the binary and karafka's version; [`run!`](crate::run) also gives the app's
/// own version.
pub fn run(app: impl FnOnce() -> anyhow::Result<App>) -> ExitCode {
    run_with(app, &NoSubcommands)
}

/// [`run`], with the `extra` subcommands of another crate (karafka-web adds `web` and `dlq`).
pub fn run_with(app: impl FnOnce() -> anyhow::Result<App>, extra: &dyn Subcommands) -> ExitCode {
    let binary = std::env::args()
        .next()
        .and_then(|path| {
            std::path::Path::new(&path)
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "app".to_owned());
    run_versioned(&binary, None, app, extra)
}

/// [`run_with`], with `--version` showing the app's `name` and `version` (what
/// [`run!`](crate::run) passes: the app crate's package name and version).
pub fn run_versioned(
    name: &str,
    version: Option<&str>,
    app: impl FnOnce() -> anyhow::Result<App>,
    extra: &dyn Subcommands,
) -> ExitCode {
    let (_, librdkafka) = rdkafka::util::get_rdkafka_version();
    let karafka = format!(
        "(karafka {}, librdkafka {librdkafka})",
        env!("CARGO_PKG_VERSION")
    );
    let shown = match version {
        Some(version) => format!("{version} {karafka}"),
        None => karafka,
    };
    let command = extra.augment(Cli::command().name(name.to_owned()).version(shown));
    let matches = command.get_matches();
    if let Some(name) = matches.subcommand_name().filter(|name| extra.handles(name)) {
        crate::instrumentation::init_logging(extra.log_level(name));
        return finish(run_extra(extra, &matches, app));
    }
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(error) => error.exit(),
    };
    // The server reports as it goes; one-shot commands print their result and errors only.
    let log_level = match cli.command {
        Command::Server(_) | Command::Swarm(_) => "info",
        _ => "error",
    };
    crate::instrumentation::init_logging(log_level);
    finish(execute(cli.command, app))
}

/// The exit code of a command's result; an error is printed as one line.
fn finish(result: anyhow::Result<u8>) -> ExitCode {
    match result {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn execute(command: Command, app: impl FnOnce() -> anyhow::Result<App>) -> anyhow::Result<u8> {
    block_on(app, |app| async move {
        match command {
            Command::Server(args) => server::run(app, &args).await,
            Command::Swarm(args) => swarm::run(app, &args).await,
            Command::Info => info::run(&app),
            Command::Topics(args) => topics::run(&app, &args).await,
            Command::ConsumerGroups(command) => consumer_groups::run(&app, &command).await,
            Command::Cluster(args) => cluster::run(&app, &args).await,
            Command::Tasks(command) => tasks::run(&app, &command).await,
        }
    })
}

fn run_extra(
    extra: &dyn Subcommands,
    matches: &ArgMatches,
    app: impl FnOnce() -> anyhow::Result<App>,
) -> anyhow::Result<u8> {
    block_on(app, |app| extra.run(matches, app))
}

/// Builds the app, then runs `command` with it on a runtime of its own.
fn block_on<F>(
    app: impl FnOnce() -> anyhow::Result<App>,
    command: impl FnOnce(App) -> F,
) -> anyhow::Result<u8>
where
    F: std::future::Future<Output = anyhow::Result<u8>>,
{
    let app = app()?;
    crate::instrumentation::set_log_format(app.config().log_format);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let result = runtime.block_on(command(app));
    // A job cut off by the shutdown timeout may still hold a worker thread; do not wait for it.
    runtime.shutdown_background();
    result
}

/// Subcommands another crate adds to the app's command line: karafka-web adds `web` and `dlq`.
#[async_trait::async_trait]
pub trait Subcommands: Sync {
    /// Adds the subcommands to the app's command line.
    fn augment(&self, command: clap::Command) -> clap::Command;

    /// Whether the subcommand `name` is one of these.
    fn handles(&self, name: &str) -> bool;

    /// The log level of subcommand `name`: `info` for a long-running one, `error` (the default)
    /// for one that prints a result.
    fn log_level(&self, name: &str) -> &'static str {
        let _ = name;
        "error"
    }

    /// Runs the subcommand that `matches` (the whole command line's) holds, one of these, for
    /// `app`; returns the exit code.
    async fn run(&self, matches: &ArgMatches, app: App) -> anyhow::Result<u8>;
}

/// No extra subcommands: the app's command line as karafka defines it.
#[derive(Debug, Clone, Copy)]
pub struct NoSubcommands;

/// [`NoSubcommands`], for [`run!`](crate::run).
pub const NO_SUBCOMMANDS: NoSubcommands = NoSubcommands;

#[async_trait::async_trait]
impl Subcommands for NoSubcommands {
    fn augment(&self, command: clap::Command) -> clap::Command {
        command
    }

    fn handles(&self, _: &str) -> bool {
        false
    }

    async fn run(&self, matches: &ArgMatches, _: App) -> anyhow::Result<u8> {
        anyhow::bail!("no subcommand {:?}", matches.subcommand_name())
    }
}
