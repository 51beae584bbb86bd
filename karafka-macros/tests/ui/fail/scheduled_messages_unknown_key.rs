fn main() {
    let _ = karafka::routes! {
        scheduled_messages "schedules" { partitions: 3 }
    };
}
