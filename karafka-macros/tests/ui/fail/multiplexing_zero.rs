#[path = "../consumers.rs"]
mod consumers;

fn main() {
    let _ = karafka::routes! {
        subscription_group "fast" {
            multiplexing: { connections: 0 },
            topic "orders" => consumers::OrdersConsumer,
        }
    };
}
