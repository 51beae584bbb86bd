// `scheduled_messages` builds the same routes as the builder API.

#[path = "../consumers.rs"]
mod consumers;

use std::time::Duration;

use karafka::routes;
use karafka::routing::{Routes, ScheduledMessages, TopicConfig};

fn main() {
    let prefix = "staging";
    let _bare: Routes = routes! {
        topic "orders" => consumers::OrdersConsumer,
        scheduled_messages "schedules"
    };
    let _configured: Routes = routes! {
        scheduled_messages (format!("{prefix}.schedules")) {
            group_id: "billing_schedules",
            interval: 250,
            config: TopicConfig::new().partitions(2).setting("cleanup.policy", "compact"),
        }
        scheduled_messages "later" { interval: Duration::from_secs(1) }
    };
    let _builder: Routes = Routes::new()
        .scheduled_messages(
            ScheduledMessages::new(format!("{prefix}.schedules"))
                .group_id("billing_schedules")
                .interval(Duration::from_millis(250))
                .config(TopicConfig::new().partitions(2).setting("cleanup.policy", "compact")),
        )
        .scheduled_messages(ScheduledMessages::new("later").interval(Duration::from_secs(1)));
}
