//! {{app_name}}, the karafka app: settings, routes and consumers. Every binary of the package
//! reaches it here: `src/main.rs` runs its command line, `src/bin/produce.rs` produces from app
//! code.

pub mod consumers;
mod routes;

pub use routes::app;

#[cfg(test)]
mod tests {
    /// `cargo test` checks the settings (`karafka.toml`, `KARAFKA_*`) and the routes without a
    /// broker: building the app validates both.
    #[test]
    fn the_settings_and_routes_are_valid() {
        if let Err(error) = super::app() {
            panic!("{error:#}");
        }
    }
}
