#[path = "../consumers.rs"]
mod consumers;

/// Reads bytes (payloads, keys), not headers.
struct Text;

impl karafka::messages::Deserializer for Text {
    fn deserialize(&self, _: &[u8], _: karafka::messages::Visit<'_>) -> Result<(), karafka::BoxError> {
        Ok(())
    }
}

fn main() {
    let _ = karafka::routes! {
        topic "orders" { consumer: consumers::OrdersConsumer, deserializers: { headers: Text } }
    };
}
