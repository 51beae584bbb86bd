fn main() {
    let _ = karafka::routes! {
        recurring_tasks {
            task "cleanup" { cron: "* * * * *", every: 5 }
        }
    };
}
