fn main() {
    let _ = karafka::routes! {
        declare "outbox" { config: { partitions: 6 } }
    };
}
