#[path = "../consumers.rs"]
mod consumers;

fn main() {
    let _ = karafka::routes! {
        topic "orders" { consumer: consumers::OrdersConsumer, deserializers: { value: 1 } }
    };
}
