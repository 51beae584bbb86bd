//! The web UI: a payments app whose server reports its state and errors to Kafka (the
//! [`Web`](karafka_web::Web) plugin, `[web] enabled = true` in `karafka.toml`), and whose command
//! line also serves the UI and lists and replays dead letters
//! ([`karafka_web::Commands`]).
//!
//! A payment that is not JSON fails, is retried twice, and goes to `payments_dlq` with headers
//! saying where it came from and why; `dlq list` shows it and `dlq replay` sends it back to
//! `payments`. Run from `examples/web` (see its README.md):
//!
//! ```text
//! cargo run -p example-web -- web install      # the UI's reports, errors and commands topics
//! cargo run -p example-web -- topics migrate   # payments and payments_dlq
//! cargo run -p example-web -- server           # consume and report
//! KARAFKA_WEB__USERNAME=admin KARAFKA_WEB__PASSWORD=change-me \
//!   cargo run -p example-web -- web            # the UI on 127.0.0.1:3000
//! cargo run -p example-web -- dlq list         # the routes' dead-letter topics
//! cargo run -p example-web -- dlq replay payments_dlq 0 0
//! ```

use karafka::{async_trait, routes, App, Config, Consumer, Context};
use serde::Deserialize;

/// A payment as producers write it to `payments`.
#[derive(Debug, Deserialize)]
struct Payment {
    /// The payment's id.
    id: u64,
    /// How much to charge, in cents.
    amount_cents: u64,
}

/// Charges payments. A payload that is not a [`Payment`] in JSON fails the batch: after two
/// retries the dead-letter queue moves it to `payments_dlq` and consuming goes on.
#[derive(Debug, Default)]
struct PaymentsConsumer;

#[async_trait]
impl Consumer for PaymentsConsumer {
    async fn consume(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        for message in ctx.messages() {
            // The error names the topic, partition and offset; the UI's errors page and the
            // dead letter's `original_error` header show it.
            let payment: Payment = message.payload()?;
            tracing::info!(
                payment = payment.id,
                "charged {} cents",
                payment.amount_cents
            );
            // Marked as we go, so a retry (and the dead-letter queue) starts at the failing one.
            ctx.mark_as_consumed(message);
        }
        Ok(())
    }
}

/// The app: `payments` with its dead-letter topic, and the web UI's reporter.
fn app() -> anyhow::Result<App> {
    Ok(App::builder()
        .config(Config::load()?)
        .routes(routes! {
            topic "payments" {
                consumer: PaymentsConsumer,
                dead_letter_queue: { topic: "payments_dlq", max_retries: 2, independent: true },
            }
            // Declared so `topics migrate` creates it; nothing consumes it here: `dlq list` and
            // the UI's dead-letters page read it, `dlq replay` and the UI send its messages back.
            topic "payments_dlq" { active: false }
        })
        // Reports to `web.reports_topic` and `web.errors_topic` and takes commands, as
        // `[web] enabled` says; does nothing when it is false.
        .plugin(karafka_web::Web::new())
        .build()?)
}

/// The app's command line: karafka's commands (`server`, `topics`, ...) and karafka-web's
/// (`web`, `web install`, `dlq list|show|replay`).
fn main() -> std::process::ExitCode {
    karafka::run!(app, karafka_web::Commands)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example's `karafka.toml` (tests run in the package's directory, where `app` reads it)
    /// is valid and says what the README says.
    #[test]
    fn the_settings_enable_the_web_ui_and_the_app_builds() {
        let config = Config::load_from(concat!(env!("CARGO_MANIFEST_DIR"), "/karafka.toml"))
            .expect("valid settings");
        assert!(config.web.enabled);
        assert!(!config.web.serve_in_server);
        assert_eq!(config.web.address, "127.0.0.1:3000");
        assert!(config.web.hidden_payloads.contains("payments"));
        let app = app().expect("the app builds");
        let routes = app.routes();
        let payments = routes
            .iter()
            .find(|route| route.topic == "payments")
            .expect("payments routed");
        assert_eq!(payments.dead_letter_topic.as_deref(), Some("payments_dlq"));
    }

    /// Payments are JSON; anything else fails to decode, which sends it to the dead letters.
    #[test]
    fn a_payload_that_is_not_json_is_refused() {
        let valid = karafka::Message::new(
            "payments",
            0,
            0,
            Some(br#"{"id":1,"amount_cents":250}"#.to_vec()),
        );
        let payment: Payment = valid.payload().expect("a payment");
        assert_eq!((payment.id, payment.amount_cents), (1, 250));
        let broken = karafka::Message::new("payments", 0, 1, Some(b"not json".to_vec()));
        assert!(broken.payload::<Payment>().is_err());
    }
}
