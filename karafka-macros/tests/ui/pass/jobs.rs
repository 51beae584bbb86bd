// Jobs routes in every form, and that the app they build knows each job type's topic.

#[path = "../consumers.rs"]
mod consumers;
#[path = "../jobs.rs"]
mod jobs;

use consumers::OrdersConsumer;
use jobs::{ResizeImage, SendEmail};
use karafka::middleware::VirtualPartitions;
use karafka::routes;
use karafka::{App, Config};

#[derive(serde::Serialize, serde::Deserialize)]
struct Audit;

#[karafka::async_trait]
impl karafka::jobs::Job for Audit {
    async fn perform(&self, _: &mut karafka::jobs::JobContext<'_>) -> anyhow::Result<()> {
        Ok(())
    }
}

fn main() {
    let prefix = "staging";
    let routes = routes! {
        defaults { max_messages: 10 }
        jobs "default" => [SendEmail],
        jobs (format!("{prefix}.images")) {
            jobs: [ResizeImage],
            dead_letter_queue: { topic: "images_dlq", max_retries: 2 },
            virtual_partitions: VirtualPartitions::by_key().max_partitions(4),
            long_running_job: true,
        }
        topic "orders" => OrdersConsumer,
        consumer_group "audit" {
            subscription_group "slow" { jobs "audit" => [Audit] }
        }
    };
    let app = App::builder()
        .config(Config::default().kafka("bootstrap.servers", "127.0.0.1:9092"))
        .routes(routes)
        .build()
        .unwrap();
    let jobs = app.jobs();
    assert_eq!(jobs.topic_of::<SendEmail>(), Some("default"));
    assert_eq!(jobs.topic_of::<ResizeImage>(), Some("staging.images"));
    assert_eq!(jobs.topic_of::<Audit>(), Some("audit"));
    let images = app
        .routes()
        .into_iter()
        .find(|route| route.topic == "staging.images")
        .unwrap();
    assert_eq!(images.consumer, "JobConsumer");
    assert_eq!(images.dead_letter_topic.as_deref(), Some("images_dlq"));
    assert!(images.virtual_partitions && images.long_running_job);
    assert!(images.features.iter().any(|feature| feature == "jobs: ResizeImage"));
}
