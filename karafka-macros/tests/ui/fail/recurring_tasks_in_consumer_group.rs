fn main() {
    let _ = karafka::routes! {
        consumer_group "group" {
            recurring_tasks { task "cleanup" { cron: "* * * * *" } }
        }
    };
}
