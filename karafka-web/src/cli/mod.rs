//! The app's extra subcommands: `web` (serve the UI, or `web install` its topics) and
//! `dlq list|show|replay`. An app adds them with `karafka::run!(app, karafka_web::Commands)`.

mod dlq;
mod install;

use clap::{ArgMatches, FromArgMatches as _, Subcommand};
use karafka::cli::Subcommands;
use karafka::App;

pub use install::{install, topics, WebTopic};

/// The subcommands karafka-web adds to an app's command line.
#[derive(Debug, Clone, Copy, Default)]
pub struct Commands;

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the web UI on `web.address` until SIGINT or SIGTERM.
    Web {
        #[command(subcommand)]
        action: Option<WebAction>,
    },
    /// List, show and replay the messages of dead-letter topics.
    #[command(subcommand)]
    Dlq(dlq::DlqCommand),
}

#[derive(Debug, Subcommand)]
enum WebAction {
    /// Create the reports, errors and commands topics (those missing).
    Install,
}

#[async_trait::async_trait]
impl Subcommands for Commands {
    fn augment(&self, command: clap::Command) -> clap::Command {
        Command::augment_subcommands(command)
    }

    fn handles(&self, name: &str) -> bool {
        Command::has_subcommand(name)
    }

    fn log_level(&self, name: &str) -> &'static str {
        if name == "web" {
            "info"
        } else {
            "error"
        }
    }

    async fn run(&self, matches: &ArgMatches, app: App) -> anyhow::Result<u8> {
        match Command::from_arg_matches(matches)? {
            Command::Web {
                action: Some(WebAction::Install),
            } => {
                for (topic, created) in install(&app).await? {
                    let outcome = if created { "created" } else { "exists" };
                    println!("{}: {outcome}", topic.name);
                }
                Ok(0)
            }
            Command::Web { action: None } => {
                let ui = crate::ui::Ui::new(&app)?;
                ui.serve(terminated()).await?;
                Ok(0)
            }
            Command::Dlq(command) => dlq::run(&app, command).await,
        }
    }
}

/// Resolves on SIGINT or SIGTERM.
async fn terminated() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = interrupt => {}
                    _ = terminate.recv() => {}
                }
            }
            Err(_) => {
                let _ = interrupt.await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}
