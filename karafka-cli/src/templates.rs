//! The files `install` writes, embedded at compile time from the workspace's `templates/`.

/// A file of the scaffold: its path in the project, and its text with `{{app_name}}` placeholders.
pub(crate) struct Template {
    pub(crate) path: &'static str,
    pub(crate) text: &'static str,
}

macro_rules! template {
    ($path:literal) => {
        Template {
            path: $path,
            text: include_str!(concat!("../../templates/", $path)),
        }
    };
}

pub(crate) const TEMPLATES: &[Template] = &[
    template!("karafka.toml"),
    template!("src/karafka.rs"),
    template!("src/consumers/mod.rs"),
    template!("src/consumers/application_consumer.rs"),
    template!("src/consumers/example_consumer.rs"),
    template!("src/main.rs"),
];

impl Template {
    /// The text for the app named `app_name`.
    pub(crate) fn render(&self, app_name: &str) -> String {
        self.text.replace("{{app_name}}", app_name)
    }
}
