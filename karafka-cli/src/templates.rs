//! The files `install` writes, embedded at compile time from the workspace's `templates/`.

/// A file of the scaffold: its path in the project, its text with `{{app_name}}` (the package's
/// name) and `{{crate_name}}` (its library's name) placeholders, and what to do by hand when the
/// project already has the file and install leaves it alone.
pub(crate) struct Template {
    pub(crate) path: &'static str,
    pub(crate) text: &'static str,
    pub(crate) when_kept: Option<&'static str>,
}

macro_rules! template {
    ($path:literal) => {
        template!($path, None)
    };
    ($path:literal, $when_kept:expr) => {
        Template {
            path: $path,
            text: include_str!(concat!("../../templates/", $path)),
            when_kept: $when_kept,
        }
    };
}

pub(crate) const TEMPLATES: &[Template] = &[
    template!("karafka.toml"),
    template!(
        "src/lib.rs",
        Some("add `pub mod consumers; mod routes; pub use routes::app;` to it")
    ),
    template!("src/routes.rs"),
    template!("src/consumers/mod.rs"),
    template!("src/consumers/application_consumer.rs"),
    template!("src/consumers/example_consumer.rs"),
    template!(
        "src/main.rs",
        Some("call `karafka::run!({{crate_name}}::app)` from its `main`")
    ),
    template!("src/bin/produce.rs"),
    template!("tests/example_consumer.rs"),
];

/// The names a template's placeholders stand for.
pub(crate) struct Names<'a> {
    /// The package's name, as in `Cargo.toml`.
    pub(crate) app: &'a str,
    /// The package's library as code names it (`my-app` is `my_app`).
    pub(crate) krate: &'a str,
}

impl Names<'_> {
    /// `text` with its placeholders filled in.
    pub(crate) fn render(&self, text: &str) -> String {
        text.replace("{{app_name}}", self.app)
            .replace("{{crate_name}}", self.krate)
    }
}
