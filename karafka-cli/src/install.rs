//! `cargo karafka install`: dependencies and scaffold files in a Cargo project.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context as _};
use toml_edit::{DocumentMut, Item, TableLike};

use crate::templates::{Names, TEMPLATES};

/// Files as `cargo new` and `cargo init` write them: nothing of the user's is in them, so install
/// replaces them without `--force`.
const CARGO_PLACEHOLDERS: &[(&str, &str)] = &[
    (
        "src/main.rs",
        "fn main() {\n    println!(\"Hello, world!\");\n}\n",
    ),
    ("src/lib.rs", CARGO_LIB),
];

/// The `src/lib.rs` of `cargo new --lib`.
const CARGO_LIB: &str = "pub fn add(left: u64, right: u64) -> u64 {
    left + right
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn it_works() {
        let result = add(2, 2);
        assert_eq!(result, 4);
    }
}
";

/// The tower release karafka's layers are built on: an app's layer must implement this release's
/// `Layer`, so it moves with karafka-core's own tower dependency.
const TOWER: &str = "tower@0.5";

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
    /// Creates the project if needed, adds the dependencies, sets `default-run` and writes the
    /// scaffold, reporting each step.
    pub(crate) fn run(&self) -> anyhow::Result<()> {
        let manifest_path = self.path.join("Cargo.toml");
        if !manifest_path.exists() {
            fs::create_dir_all(&self.path)
                .with_context(|| format!("creating {}", self.path.display()))?;
            cargo(&self.path, &["init", "--vcs", "none", "--bin", "--quiet"])?;
            report("init", "Cargo.toml");
        }
        let manifest = Manifest::read(&manifest_path)?;
        let app = manifest.package_name()?.to_owned();
        let krate = manifest.crate_name()?;
        self.add_dependencies(manifest.depends_on("tower"))?;
        // `cargo add` rewrote the manifest: edit what it wrote.
        Manifest::read(&manifest_path)?.set_default_run()?;
        self.write_templates(&Names {
            app: &app,
            krate: &krate,
        })?;
        println!(
            "\nNext: `cargo run -- topics migrate` creates the routed topics, \
             `cargo karafka server` consumes, `cargo run --bin produce` produces from app code."
        );
        Ok(())
    }

    fn write_templates(&self, names: &Names<'_>) -> anyhow::Result<()> {
        for template in TEMPLATES {
            let target = self.path.join(template.path);
            let replaceable = fs::read_to_string(&target).is_ok_and(|text| {
                CARGO_PLACEHOLDERS
                    .iter()
                    .any(|&(path, placeholder)| path == template.path && placeholder == text)
            });
            if target.exists() && !self.force && !replaceable {
                match template.when_kept {
                    Some(todo) => report(
                        "skip",
                        &format!("{} (exists: {})", template.path, names.render(todo)),
                    ),
                    None => report("skip", template.path),
                }
                continue;
            }
            if let Some(parent) = target.parent() {
                fs::create_dir_all(parent)
                    .with_context(|| format!("creating {}", parent.display()))?;
            }
            let verb = match (replaceable, target.exists()) {
                (true, _) => "wire",
                (false, true) => "overwrite",
                (false, false) => "create",
            };
            fs::write(&target, names.render(template.text))
                .with_context(|| format!("writing {}", target.display()))?;
            report(verb, template.path);
        }
        Ok(())
    }

    fn add_dependencies(&self, has_tower: bool) -> anyhow::Result<()> {
        let (karafka, testing) = match &self.karafka_path {
            Some(path) => {
                let path = fs::canonicalize(path)
                    .with_context(|| format!("karafka path {}", path.display()))?;
                let testing = path.with_file_name("karafka-testing");
                (
                    vec![
                        "add".into(),
                        "karafka-core".into(),
                        "--path".into(),
                        path.display().to_string(),
                    ],
                    vec![
                        "add".into(),
                        "--dev".into(),
                        "karafka-testing".into(),
                        "--path".into(),
                        testing.display().to_string(),
                    ],
                )
            }
            None => (
                vec![
                    "add".into(),
                    format!("karafka-core@{}", env!("CARGO_PKG_VERSION")),
                ],
                vec![
                    "add".into(),
                    "--dev".into(),
                    format!("karafka-testing@{}", env!("CARGO_PKG_VERSION")),
                ],
            ),
        };
        let mut karafka: Vec<&str> = karafka.iter().map(String::as_str).collect();
        karafka.extend(["--rename", "karafka", "--quiet"]);
        cargo(&self.path, &karafka)?;
        cargo(
            &self.path,
            &[
                "add",
                "anyhow",
                "serde",
                "serde_json",
                "tokio",
                "tracing",
                "--features",
                "serde/derive,tokio/macros,tokio/rt-multi-thread",
                "--quiet",
            ],
        )?;
        // A tower the project already depends on keeps its version; the feature is only added.
        let tower = if has_tower { "tower" } else { TOWER };
        cargo(&self.path, &["add", tower, "--features", "util", "--quiet"])?;
        let mut testing: Vec<&str> = testing.iter().map(String::as_str).collect();
        testing.push("--quiet");
        cargo(&self.path, &testing)?;
        report(
            "depend",
            "karafka, anyhow, serde, serde_json, tokio, tower, tracing; karafka-testing (dev)",
        );
        Ok(())
    }
}

/// A project's `Cargo.toml`, as far as install reads and edits it.
struct Manifest {
    path: PathBuf,
    document: DocumentMut,
}

impl Manifest {
    fn read(path: &Path) -> anyhow::Result<Self> {
        let text =
            fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let document = text
            .parse()
            .with_context(|| format!("parsing {}", path.display()))?;
        Ok(Self {
            path: path.to_owned(),
            document,
        })
    }

    fn package(&self) -> anyhow::Result<&dyn TableLike> {
        self.document
            .get("package")
            .and_then(Item::as_table_like)
            .with_context(|| {
                format!(
                    "{} has no [package]; run install in a package, not a workspace",
                    self.path.display()
                )
            })
    }

    fn package_name(&self) -> anyhow::Result<&str> {
        self.package()?
            .get("name")
            .and_then(Item::as_str)
            .with_context(|| format!("{} has no package name", self.path.display()))
    }

    /// The library's name in code: `[lib] name`, or the package's name with `_` for `-`.
    fn crate_name(&self) -> anyhow::Result<String> {
        let lib_name = self
            .document
            .get("lib")
            .and_then(|lib| lib.get("name"))
            .and_then(Item::as_str);
        Ok(match lib_name {
            Some(name) => name.to_owned(),
            None => self.package_name()?.replace('-', "_"),
        })
    }

    fn depends_on(&self, name: &str) -> bool {
        self.document
            .get("dependencies")
            .and_then(Item::as_table_like)
            .is_some_and(|dependencies| dependencies.contains_key(name))
    }

    /// The binary built from `src/main.rs`: named by a `[[bin]]` entry, or after the package.
    fn main_binary(&self) -> anyhow::Result<String> {
        let declared = self
            .document
            .get("bin")
            .and_then(Item::as_array_of_tables)
            .and_then(|bins| {
                bins.iter()
                    .find(|bin| bin.get("path").and_then(Item::as_str) == Some("src/main.rs"))
            })
            .and_then(|bin| bin.get("name"))
            .and_then(Item::as_str);
        Ok(match declared {
            Some(name) => name.to_owned(),
            None => self.package_name()?.to_owned(),
        })
    }

    /// Makes `cargo run` (and so `cargo karafka server`) pick the app's binary among the
    /// package's binaries, unless the package already chose one.
    fn set_default_run(mut self) -> anyhow::Result<()> {
        if let Some(chosen) = self.package()?.get("default-run").and_then(Item::as_str) {
            report("skip", &format!("Cargo.toml default-run = {chosen:?}"));
            return Ok(());
        }
        let binary = self.main_binary()?;
        let package = self
            .document
            .get_mut("package")
            .and_then(Item::as_table_like_mut)
            .with_context(|| format!("{} has no [package]", self.path.display()))?;
        package.insert("default-run", toml_edit::value(binary.as_str()));
        fs::write(&self.path, self.document.to_string())
            .with_context(|| format!("writing {}", self.path.display()))?;
        report("set", &format!("Cargo.toml default-run = {binary:?}"));
        Ok(())
    }
}

fn report(verb: &str, what: &str) {
    println!("{verb:>12}  {what}");
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

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(text: &str) -> (tempfile::TempDir, Manifest) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("Cargo.toml");
        fs::write(&path, text).unwrap();
        let manifest = Manifest::read(&path).unwrap();
        (dir, manifest)
    }

    #[test]
    fn the_crate_is_named_by_lib_or_after_the_package() {
        let (_dir, plain) = manifest("[package]\nname = \"my-app\"\n");
        assert_eq!(plain.crate_name().unwrap(), "my_app");
        let (_dir, named) = manifest("[package]\nname = \"my-app\"\n[lib]\nname = \"core\"\n");
        assert_eq!(named.crate_name().unwrap(), "core");
    }

    #[test]
    fn default_run_names_the_main_binary_and_keeps_the_rest_of_the_manifest() {
        let text = "[package]\nname = \"shop\" # the shop\n\n[[bin]]\nname = \"api\"\npath = \"src/api.rs\"\n\n[[bin]]\nname = \"worker\"\npath = \"src/main.rs\"\n";
        let (dir, manifest) = manifest(text);
        manifest.set_default_run().unwrap();
        let written = fs::read_to_string(dir.path().join("Cargo.toml")).unwrap();
        assert_eq!(
            written,
            text.replace("# the shop\n", "# the shop\ndefault-run = \"worker\"\n")
        );
    }

    #[test]
    fn a_chosen_default_run_is_kept() {
        let text = "[package]\nname = \"shop\"\ndefault-run = \"api\"\n";
        let (dir, manifest) = manifest(text);
        manifest.set_default_run().unwrap();
        assert_eq!(
            fs::read_to_string(dir.path().join("Cargo.toml")).unwrap(),
            text
        );
    }

    #[test]
    fn the_files_cargo_new_writes_are_replaced_and_others_kept() {
        let dir = tempfile::tempdir().unwrap();
        for (kind, name) in [("--lib", "a_lib"), ("--bin", "a_bin")] {
            let project = dir.path().join(name);
            let project_dir = project.to_str().unwrap();
            cargo(
                dir.path(),
                &["new", kind, "--vcs", "none", "--quiet", project_dir],
            )
            .unwrap();
            fs::write(project.join("karafka.toml"), "# mine\n").unwrap();
            let install = Install {
                path: project.clone(),
                force: false,
                karafka_path: None,
            };
            let names = Names {
                app: "app",
                krate: "app",
            };
            install.write_templates(&names).unwrap();
            for file in ["src/lib.rs", "src/main.rs"] {
                let written = fs::read_to_string(project.join(file)).unwrap();
                let template = TEMPLATES.iter().find(|t| t.path == file).unwrap();
                assert_eq!(written, names.render(template.text), "{kind} {file}");
            }
            assert_eq!(
                fs::read_to_string(project.join("karafka.toml")).unwrap(),
                "# mine\n"
            );
        }
    }

    #[test]
    fn a_workspace_manifest_is_refused_by_name() {
        let (_dir, workspace) = manifest("[workspace]\nmembers = [\"a\"]\n");
        let error = workspace.package_name().unwrap_err().to_string();
        assert!(error.contains("not a workspace"), "{error}");
    }
}
