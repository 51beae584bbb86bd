fn main() {
    let _ = karafka::routes! {
        recurring_tasks {
            task "cleanup" { run: |_| async { Ok(()) } }
        }
    };
}
