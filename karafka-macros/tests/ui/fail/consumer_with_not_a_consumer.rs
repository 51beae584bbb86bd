struct NotAConsumer;

fn main() {
    let _ = karafka::routes! {
        topic "orders" { consumer_with: || NotAConsumer }
    };
}
