#[path = "../consumers.rs"]
mod consumers;

fn main() {
    let _ = karafka::routes! {
        topic "orders" { consumer: consumers::OrdersConsumer, kafka: { fetch_max_bytes: 1 } }
    };
}
