//! The app's command line: `server` runs the consumers.
//!
//! An app's `main` hands its app-building function to [`run`]:
//!
//! ```no_run
//! # fn app() -> anyhow::Result<karafka::App> { unimplemented!() }
//! fn main() -> std::process::ExitCode {
//!     karafka::cli::run(app)
//! }
//! ```

use std::process::ExitCode;

use clap::{Parser, Subcommand};

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
    Server,
}

/// Parses the command line, builds the app with `app` and runs the command. Returns the process's
/// exit code: 0 on success, 1 on an error (printed as one line), 2 when shutdown timed out.
pub fn run(app: impl FnOnce() -> anyhow::Result<App>) -> ExitCode {
    let cli = Cli::parse();
    crate::instrumentation::init_logging();
    match execute(cli.command, app) {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn execute(command: Command, app: impl FnOnce() -> anyhow::Result<App>) -> anyhow::Result<u8> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let result = match command {
        Command::Server => app().and_then(|app| Ok(runtime.block_on(app.server().run())?)),
    };
    // A job cut off by the shutdown timeout may still hold a worker thread; do not wait for it.
    runtime.shutdown_background();
    Ok(result?.exit_code())
}
