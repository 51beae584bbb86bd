fn main() {
    let _ = karafka::routes! {
        topic "orders" { max_messages: 10 }
    };
}
