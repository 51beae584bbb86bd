//! Exactly-once consume-transform-produce: each payment on `payments` becomes an entry on
//! `ledger`. The entries of a batch and the batch's offsets are committed in one Kafka
//! transaction, so a `read_committed` reader of `ledger` sees each payment's entry once, even
//! when the process is killed mid-batch or the partition moves to another member.
//!
//! The producer is transactional because it has a `transactional.id`; it must be unique per
//! running process (here `ledger-<pid>` unless `transactional.id` is set in the settings).
//!
//! ```sh
//! cargo run -p example-exactly-once -- topics migrate   # creates payments and ledger
//! cargo run -p example-exactly-once -- server
//! ```
//!
//! `LEDGER_INPUT` and `LEDGER_OUTPUT` name other topics.

use karafka::producer::Record;
use karafka::routing::{Routes, Topic, TopicConfig};
use karafka::{async_trait, App, Config, Consumer, Context};
use serde::{Deserialize, Serialize};

#[derive(Deserialize)]
struct Payment {
    account: String,
    amount_cents: i64,
}

#[derive(Serialize)]
struct Entry<'a> {
    account: &'a str,
    amount_cents: i64,
    /// Where the payment came from, which identifies the entry.
    source: String,
}

/// Turns payments into ledger entries, a transaction per batch.
struct Ledger {
    output: String,
}

#[async_trait]
impl Consumer for Ledger {
    async fn consume(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        let messages = ctx.messages().clone();
        let output = &self.output;
        // Commits the entries and the marks together when the body returns `Ok`; aborts both on
        // an error (the batch is then retried) or a panic.
        ctx.transaction(|tx| async move {
            for message in messages.iter() {
                let payment: Payment = message.payload()?;
                let entry = Entry {
                    account: &payment.account,
                    amount_cents: payment.amount_cents,
                    source: format!("{}/{}", message.partition(), message.offset()),
                };
                // Keyed by account: one account's entries stay in order.
                let record = Record::json(output, &entry)?.key(payment.account.as_str());
                tx.produce(record).await?;
                tx.mark_as_consumed(message);
            }
            Ok(())
        })
        .await
    }
}

fn app() -> anyhow::Result<App> {
    let mut config = Config::load()?;
    if config.producer.kafka.get("transactional.id").is_none() {
        let id = format!("ledger-{}", std::process::id());
        config.producer.kafka.set("transactional.id", id);
    }
    let input = std::env::var("LEDGER_INPUT").unwrap_or_else(|_| "payments".to_owned());
    let output = std::env::var("LEDGER_OUTPUT").unwrap_or_else(|_| "ledger".to_owned());
    let routes = Routes::new()
        .topic(Topic::new(input).consumer_with({
            let output = output.clone();
            move || Ledger {
                output: output.clone(),
            }
        }))
        .declare(output, TopicConfig::new().partitions(3));
    Ok(App::builder().config(config).routes(routes).build()?)
}

fn main() -> std::process::ExitCode {
    karafka::run!(app)
}
