//! `cargo karafka install`: dependencies and scaffold files in a Cargo project.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context as _};

use crate::templates::TEMPLATES;

/// The `src/main.rs` that `cargo new` writes; install may replace it without `--force`.
const CARGO_HELLO_WORLD: &str = "fn main() {\n    println!(\"Hello, world!\");\n}\n";

/// What `install` does.
pub(crate) struct Install {
    /// The project; created with `cargo init` when it has no `Cargo.toml`.
    pub(crate) path: PathBuf,
    /// Overwrite files that exist.
    pub(crate) force: bool,
    /// Depend on karafka by this path instead of by version.
    pub(crate) karafka_path: Option<PathBuf>,
}

impl Install {
    pub(crate) fn run(&self) -> anyhow::Result<()> {
        if !self.path.join("Cargo.toml").exists() {
            fs::create_dir_all(&self.path)
                .with_context(|| format!("creating {}", self.path.display()))?;
            cargo(&self.path, &["init", "--vcs", "none", "--bin", "--quiet"])?;
            report("init", Path::new("Cargo.toml"));
        }
        let app_name = package_name(&self.path.join("Cargo.toml"))?;
        self.add_dependencies()?;
        for template in TEMPLATES {
            let target = self.path.join(template.path);
            let replaceable = template.path == "src/main.rs"
                && fs::read_to_string(&target).is_ok_and(|text| text == CARGO_HELLO_WORLD);
            if target.exists() && !self.force && !replaceable {
                report("skip", Path::new(template.path));
                continue;
            }
            if let Some(parent) = target.parent() {
                fs::create_dir_all(parent)?;
            }
            let verb = match (replaceable, target.exists()) {
                (true, _) => "wire",
                (false, true) => "overwrite",
                (false, false) => "create",
            };
            fs::write(&target, template.render(&app_name))
                .with_context(|| format!("writing {}", target.display()))?;
            report(verb, Path::new(template.path));
        }
        println!("\nNext: `cargo karafka server` consumes; `cargo run -- topics migrate` creates the routed topics.");
        Ok(())
    }

    fn add_dependencies(&self) -> anyhow::Result<()> {
        let karafka = match &self.karafka_path {
            Some(path) => {
                let path = fs::canonicalize(path)
                    .with_context(|| format!("karafka path {}", path.display()))?;
                vec![
                    "add".into(),
                    "karafka-core".into(),
                    "--path".into(),
                    path.display().to_string(),
                ]
            }
            None => vec![
                "add".into(),
                format!("karafka-core@{}", env!("CARGO_PKG_VERSION")),
            ],
        };
        let mut karafka: Vec<&str> = karafka.iter().map(String::as_str).collect();
        karafka.extend(["--rename", "karafka", "--quiet"]);
        cargo(&self.path, &karafka)?;
        cargo(
            &self.path,
            &["add", "anyhow", "serde_json", "tracing", "--quiet"],
        )?;
        report("depend", Path::new("karafka, anyhow, serde_json, tracing"));
        Ok(())
    }
}

fn report(verb: &str, path: &Path) {
    println!("{verb:>12}  {}", path.display());
}

fn cargo(dir: &Path, args: &[&str]) -> anyhow::Result<()> {
    let program = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(&program)
        .args(args)
        .current_dir(dir)
        .status()
        .with_context(|| format!("running {program}"))?;
    if !status.success() {
        bail!("`cargo {}` failed in {}", args.join(" "), dir.display());
    }
    Ok(())
}

fn package_name(manifest: &Path) -> anyhow::Result<String> {
    let text =
        fs::read_to_string(manifest).with_context(|| format!("reading {}", manifest.display()))?;
    let document: toml::Table = text
        .parse()
        .with_context(|| format!("parsing {}", manifest.display()))?;
    document
        .get("package")
        .and_then(|package| package.get("name"))
        .and_then(toml::Value::as_str)
        .map(str::to_owned)
        .with_context(|| {
            format!(
                "{} has no [package] name; run install in a package, not a workspace",
                manifest.display()
            )
        })
}
