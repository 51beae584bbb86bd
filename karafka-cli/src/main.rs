//! `cargo karafka`: scaffolds karafka apps and runs their server from their Cargo project.
//!
//! The app binary owns the command line (only it contains the consumers); this tool writes the
//! scaffold and forwards to the app.

mod install;
mod templates;

use std::os::unix::process::CommandExt as _;
use std::path::PathBuf;
use std::process::{Command, ExitCode};

use clap::{Parser, Subcommand};

/// Cargo invokes `cargo-karafka karafka <args>`; the first argument is the subcommand's name.
#[derive(Debug, Parser)]
#[command(name = "cargo", bin_name = "cargo")]
enum Cargo {
    /// Work with a karafka app.
    Karafka(Karafka),
}

#[derive(Debug, clap::Args)]
#[command(version, about = "Scaffold and run karafka apps")]
struct Karafka {
    #[command(subcommand)]
    command: KarafkaCommand,
}

#[derive(Debug, Subcommand)]
enum KarafkaCommand {
    /// Add karafka to a Cargo project: dependencies, karafka.toml, src/karafka.rs, consumers.
    /// Never overwrites a file without --force.
    Install {
        /// The project (created when it has no Cargo.toml). Default: the current directory.
        #[arg(long, default_value = ".")]
        path: PathBuf,
        /// Overwrite files that exist.
        #[arg(long)]
        force: bool,
        /// Depend on karafka-core at this path instead of by version.
        #[arg(long)]
        karafka_path: Option<PathBuf>,
    },
    /// Build the app in this Cargo project and run its `server` command.
    Server {
        /// Build with the release profile.
        #[arg(long)]
        release: bool,
        /// Arguments passed on to the app's `server` command.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
}

fn main() -> ExitCode {
    let Cargo::Karafka(karafka) = Cargo::parse();
    let result = match karafka.command {
        KarafkaCommand::Install {
            path,
            force,
            karafka_path,
        } => install::Install {
            path,
            force,
            karafka_path,
        }
        .run(),
        KarafkaCommand::Server { release, args } => server(release, &args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Replaces this process with `cargo run -- server ARGS`, and cargo in turn with the app, so
/// signals (SIGTERM for a graceful shutdown) reach the app itself.
fn server(release: bool, args: &[String]) -> anyhow::Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut run = Command::new(&cargo);
    run.args(["run", "--quiet"]);
    if release {
        run.arg("--release");
    }
    let error = run.arg("--").arg("server").args(args).exec();
    Err(anyhow::Error::new(error).context(format!("running {cargo}")))
}
