#[path = "../consumers.rs"]
mod consumers;
#[path = "../formats.rs"]
mod formats;

fn main() {
    let _ = karafka::routes! {
        topic "orders" {
            consumer: consumers::OrdersConsumer,
            deserializers: { key: formats::Text, payload: formats::Text },
            deserializer: formats::Text,
        }
    };
}
