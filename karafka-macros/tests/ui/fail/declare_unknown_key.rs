fn main() {
    let _ = karafka::routes! {
        declare "outbox" { partitions: 6, retention: 1000 }
    };
}
