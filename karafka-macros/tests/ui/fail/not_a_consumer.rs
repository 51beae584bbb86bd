#[derive(Default)]
struct NotAConsumer;

fn main() {
    let _ = karafka::routes! {
        topic "orders" => NotAConsumer,
    };
}
