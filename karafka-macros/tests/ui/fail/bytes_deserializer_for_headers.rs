#[path = "../consumers.rs"]
mod consumers;
#[path = "../formats.rs"]
mod formats;

fn main() {
    let _ = karafka::routes! {
        topic "orders" { consumer: consumers::OrdersConsumer, deserializers: { headers: formats::Text } }
    };
}
