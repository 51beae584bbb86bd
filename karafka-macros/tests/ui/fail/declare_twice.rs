#[path = "../consumers.rs"]
mod consumers;

fn main() {
    let _ = karafka::routes! {
        declare "outbox" { partitions: 6 }
        topic "orders" => consumers::OrdersConsumer,
        declare "outbox" { partitions: 3 }
    };
}
