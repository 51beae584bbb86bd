fn main() {
    let _ = karafka::routes! {
        jobs "default" { max_messages: 10 }
    };
}
