//! `quickstart server` consumes the `example` topic until SIGINT/SIGTERM.

fn main() -> std::process::ExitCode {
    karafka::run!(quickstart::app)
}
