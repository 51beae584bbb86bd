#[path = "../consumers.rs"]
mod consumers;

fn main() {
    let _ = karafka::routes! {
        consumer_group "orders" {
            multiplexing { connections: 3 }
            topic "orders" => consumers::OrdersConsumer,
        }
    };
}
