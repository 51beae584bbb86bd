#[path = "../consumers.rs"]
mod consumers;
#[path = "../jobs.rs"]
mod jobs;

fn main() {
    let _ = karafka::routes! {
        jobs "default" {
            jobs: [jobs::SendEmail],
            consumer: consumers::OrdersConsumer,
        }
    };
}
