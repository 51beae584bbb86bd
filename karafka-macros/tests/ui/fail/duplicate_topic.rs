#[path = "../consumers.rs"]
mod consumers;

fn main() {
    let _ = karafka::routes! {
        topic "orders" => consumers::OrdersConsumer,
        topic "events" => consumers::EventsConsumer,
        topic "orders" => consumers::EventsConsumer,
    };
}
