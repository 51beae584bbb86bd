#[path = "../consumers.rs"]
mod consumers;

fn main() {
    let _ = karafka::routes! {
        topic "orders" { consumer: consumers::OrdersConsumer, initial_offset: newest }
    };
}
