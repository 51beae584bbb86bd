#[path = "../jobs.rs"]
mod jobs;

fn main() {
    let _ = karafka::routes! {
        defaults { jobs: [jobs::SendEmail] }
        jobs "default" => [jobs::SendEmail],
    };
}
