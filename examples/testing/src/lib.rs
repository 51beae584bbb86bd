//! Payments: each payment is charged and a receipt produced to `receipts`; a payment that keeps
//! failing goes to `payments_dlq` after two retries. `tests/payments.rs` tests it without a
//! broker, with karafka-testing.

use karafka::producer::Record;
use karafka::{async_trait, routes, App, Config, Consumer, Context};
use serde::{Deserialize, Serialize};

/// A payment to charge.
#[derive(Debug, Serialize, Deserialize)]
pub struct Payment {
    /// The payment's id.
    pub id: u64,
    /// What to charge, in cents; negative amounts are refused by the (pretend) bank.
    pub cents: i64,
}

/// Charges payments and produces a receipt for each.
#[derive(Default)]
pub struct PaymentsConsumer {
    /// Cents charged by this instance (one per partition).
    pub charged: i64,
}

#[async_trait]
impl Consumer for PaymentsConsumer {
    async fn consume(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        for message in ctx.messages() {
            let payment: Payment = message.payload()?;
            anyhow::ensure!(
                payment.cents >= 0,
                "the bank refused payment {}",
                payment.id
            );
            self.charged += payment.cents;
            let receipt = Record::json("receipts", &payment)?.key(payment.id.to_string());
            ctx.producer().produce_sync(receipt).await?;
            // Marking as it goes: a retry starts at the failing payment, not the batch's start.
            ctx.mark_as_consumed(message);
        }
        Ok(())
    }
}

/// The app: `payments` consumed with a dead-letter queue; `receipts` and `payments_dlq` declared.
///
/// # Errors
/// When the settings or routes are invalid.
pub fn app(config: Config) -> anyhow::Result<App> {
    Ok(App::builder()
        .config(config)
        .routes(routes! {
            topic "payments" {
                consumer: PaymentsConsumer,
                dead_letter_queue: { topic: "payments_dlq", max_retries: 2 },
            }
            topic "receipts" { active: false }
            topic "payments_dlq" { active: false }
        })
        .build()?)
}
