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

#[cfg(test)]
mod tests {
    use super::*;

    /// `line` without its `# ` when it is a commented-out setting or section (`# key = value`,
    /// `# [section]`), not prose.
    fn uncommented(line: &str) -> &str {
        let Some(rest) = line.strip_prefix("# ") else {
            return line;
        };
        let key = rest.split(" = ").next().unwrap_or_default();
        let is_setting = rest.contains(" = ")
            && !key.is_empty()
            && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if rest.starts_with('[') || is_setting {
            rest
        } else {
            line
        }
    }

    /// The scaffold's karafka.toml, and the same with every commented setting and section
    /// (`[metrics]`, `[web]`) switched on, are settings karafka loads.
    #[test]
    fn karafka_toml_loads_as_is_and_with_its_commented_settings_on() {
        let template = TEMPLATES
            .iter()
            .find(|template| template.path == "karafka.toml")
            .map(|template| template.text)
            .unwrap_or_default();
        let names = Names {
            app: "shop",
            krate: "shop",
        };
        let rendered = names.render(template);
        let switched_on: String = rendered
            .lines()
            .map(|line| format!("{}\n", uncommented(line)))
            .collect();
        assert!(switched_on.contains("\n[web]\n"), "{switched_on}");
        assert!(switched_on.contains("\n[metrics]\n"), "{switched_on}");

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("karafka.toml");
        std::fs::write(&path, &rendered).unwrap();
        let config = karafka::Config::load_from(&path).unwrap();
        assert_eq!(config.client_id, "shop");
        assert!(!config.web.enabled, "the web UI is off until switched on");

        std::fs::write(&path, &switched_on).unwrap();
        let config = karafka::Config::load_from(&path).unwrap();
        assert!(config.web.enabled);
        assert_eq!(config.web.address, "127.0.0.1:3000");
        assert_eq!(config.web.username.as_deref(), Some("admin"));
        assert_eq!(
            config
                .web
                .password
                .as_ref()
                .map(|password| password.expose()),
            Some("change-me")
        );
        assert!(config.metrics.enabled);
    }
}
