//! The app's command line: `server` performs the jobs, `topics migrate` creates the topics.

fn main() -> std::process::ExitCode {
    karafka::run!(example_jobs::app)
}
