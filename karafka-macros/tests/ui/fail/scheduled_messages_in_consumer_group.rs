#[path = "../consumers.rs"]
mod consumers;

fn main() {
    let _ = karafka::routes! {
        consumer_group "audit" {
            topic "orders" => consumers::OrdersConsumer,
            scheduled_messages "schedules"
        }
    };
}
