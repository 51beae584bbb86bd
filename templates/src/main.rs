//! {{app_name}}: `server` consumes, `info`, `topics` and `consumer-groups` administer.

mod consumers;
mod karafka;

fn main() -> std::process::ExitCode {
    ::karafka::cli::run(karafka::app)
}
