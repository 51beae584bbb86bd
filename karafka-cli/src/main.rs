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
    /// Add karafka to a Cargo project: dependencies, karafka.toml, the app in src/lib.rs and
    /// src/routes.rs, consumers, src/main.rs and src/bin/produce.rs. Never overwrites a file
    /// without --force.
    Install {
        /// The project (created when it has no Cargo.toml). Default: the current directory.
        #[arg(long, default_value = ".")]
        path: PathBuf,
        /// Overwrite files that exist.
        #[arg(long)]
        force: bool,
        /// Depend on karafka-core at this path instead of by version (and on the karafka-testing
        /// beside it, for the app's tests).
        #[arg(long)]
        karafka_path: Option<PathBuf>,
    },
    /// Build the app in this Cargo project and run its `server` command.
    Server {
        /// Build with the release profile.
        #[arg(long)]
        release: bool,
        /// Run this binary of the project (default: the package's `default-run`).
        #[arg(long, value_name = "NAME")]
        bin: Option<String>,
        /// Arguments passed on to the app's `server` command (after karafka's own options).
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
        KarafkaCommand::Server { release, bin, args } => server(release, bin.as_deref(), &args),
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
fn server(release: bool, bin: Option<&str>, args: &[String]) -> anyhow::Result<()> {
    let mut run = cargo_run(release, bin, args);
    let error = run.exec();
    Err(anyhow::Error::new(error)
        .context(format!("running {}", run.get_program().to_string_lossy())))
}

/// `cargo run` of the app's `server` command with `args`, in the release profile or not, of the
/// binary `bin` or the package's default one.
fn cargo_run(release: bool, bin: Option<&str>, args: &[String]) -> Command {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut run = Command::new(cargo);
    run.args(["run", "--quiet"]);
    if release {
        run.arg("--release");
    }
    if let Some(bin) = bin {
        run.args(["--bin", bin]);
    }
    run.arg("--").arg("server").args(args);
    run
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cargo_args(command: &Command) -> Vec<String> {
        command
            .get_args()
            .map(|arg| arg.to_string_lossy().into_owned())
            .collect()
    }

    fn parsed(line: &[&str]) -> Vec<String> {
        let Cargo::Karafka(karafka) = Cargo::try_parse_from(line).unwrap();
        let KarafkaCommand::Server { release, bin, args } = karafka.command else {
            panic!("not the server command: {line:?}");
        };
        cargo_args(&cargo_run(release, bin.as_deref(), &args))
    }

    #[test]
    fn server_passes_release_and_bin_to_cargo_and_the_rest_to_the_app() {
        let line = [
            "cargo",
            "karafka",
            "server",
            "--release",
            "--bin",
            "worker",
            "--include-topics",
            "orders",
        ];
        assert_eq!(
            parsed(&line),
            [
                "run",
                "--quiet",
                "--release",
                "--bin",
                "worker",
                "--",
                "server",
                "--include-topics",
                "orders"
            ]
        );
    }

    #[test]
    fn server_without_options_runs_the_default_binary_in_debug() {
        assert_eq!(
            parsed(&["cargo", "karafka", "server"]),
            ["run", "--quiet", "--", "server"]
        );
    }
}
