#[path = "../consumers.rs"]
mod consumers;

fn main() {
    let _ = karafka::routes! {
        topic "orders" { consumer: consumers::OrdersConsumer, max_messages: 1, max_messages: 2 }
    };
}
