//! `cargo karafka`: runs a karafka app's server from its Cargo project.
//!
//! The app binary owns the command line (only it contains the consumers); this tool builds it and
//! forwards to it.

use std::process::{Command, ExitCode};

use anyhow::Context as _;
use clap::{Parser, Subcommand};

/// Cargo invokes `cargo-karafka karafka <args>`; the first argument is the subcommand's name.
#[derive(Debug, Parser)]
#[command(name = "cargo", bin_name = "cargo")]
enum Cargo {
    /// Work with a karafka app.
    Karafka(Karafka),
}

#[derive(Debug, clap::Args)]
#[command(version, about = "Build and run karafka apps")]
struct Karafka {
    #[command(subcommand)]
    command: KarafkaCommand,
}

#[derive(Debug, Subcommand)]
enum KarafkaCommand {
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
    match run(karafka.command) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(command: KarafkaCommand) -> anyhow::Result<ExitCode> {
    match command {
        KarafkaCommand::Server { release, args } => {
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            let mut build = Command::new(cargo);
            build.arg("run").arg("--quiet");
            if release {
                build.arg("--release");
            }
            let status = build
                .arg("--")
                .arg("server")
                .args(args)
                .status()
                .context("running cargo")?;
            Ok(status
                .code()
                .and_then(|code| u8::try_from(code).ok())
                .map_or(ExitCode::FAILURE, ExitCode::from))
        }
    }
}
