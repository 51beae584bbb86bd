//! {{app_name}}: `server` consumes, `info`, `topics` and `consumer-groups` administer.

fn main() -> std::process::ExitCode {
    karafka::run!({{crate_name}}::app)
}
