//! `cargo karafka install` into a new project, whose app then builds, runs its server against the
//! real broker (with the routes' commented examples enabled) and consumes a message produced from
//! app code; and the README's "By hand" steps, run verbatim in a fresh clone.
//!
//! Both tests build apps (and so rdkafka) in `target/install-test`, one test at a time.

// Test helpers fail loudly: an unexpected error is the test failing.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use karafka::Record;
use karafka_integration_tests::{producer, unique, Probe};
use tokio::sync::Mutex;

const CARGO_KARAFKA: &str = env!("CARGO_BIN_EXE_cargo-karafka");

/// A build waiting for the other test's build would run out this test's timeouts: one at a time.
static TARGET_DIR: Mutex<()> = Mutex::const_new(());

/// Generous for a first build, which compiles librdkafka.
const BUILD: Duration = Duration::from_secs(30 * 60);

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

/// Where the tests build apps: kept between runs, so rdkafka builds once.
fn target_dir() -> String {
    workspace()
        .join("target/install-test")
        .to_str()
        .unwrap()
        .to_owned()
}

/// The environment of the apps' builds: in the shared target directory, without debug info (nothing
/// reads it, and it would take gigabytes of disk).
fn build_env(target: &str) -> [(&str, &str); 2] {
    [
        ("CARGO_TARGET_DIR", target),
        ("CARGO_PROFILE_DEV_DEBUG", "false"),
    ]
}

/// Runs `program` with `args` in `dir` to its end within `timeout`; returns its stdout, or panics
/// with its log when it fails.
async fn run(dir: &Path, program: &str, args: &[&str], timeout: Duration) -> String {
    run_with(dir, program, args, timeout, &[]).await
}

/// [`run`] with more environment variables.
async fn run_with(
    dir: &Path,
    program: &str,
    args: &[&str],
    timeout: Duration,
    env: &[(&str, &str)],
) -> String {
    let target = target_dir();
    let mut env = env.to_vec();
    env.extend(build_env(&target));
    let mut process = Probe::command_in(Some(dir), program, args, "", "cli-group", &env);
    let (code, log) = process.wait(timeout).await;
    let stdout = process.stdout_text();
    assert_eq!(code, Some(0), "{program} {args:?}: {stdout}{log}");
    stdout
}

async fn install(project: &Path, extra: &[&str]) -> String {
    let karafka_core = workspace().join("karafka-core");
    let mut args = vec!["karafka", "install", "--path"];
    args.push(project.to_str().unwrap());
    args.extend(["--karafka-path", karafka_core.to_str().unwrap()]);
    args.extend(extra);
    run(&workspace(), CARGO_KARAFKA, &args, Duration::from_secs(120)).await
}

fn edit(file: &Path, from: &str, to: &str) -> String {
    let text = std::fs::read_to_string(file).unwrap();
    assert!(text.contains(from), "{}: no {from:?}", file.display());
    let edited = text.replace(from, to);
    std::fs::write(file, &edited).unwrap();
    edited
}

/// `source` with every commented line inside `routes! { ... }` uncommented. The routes template
/// explains its examples above the macro, so the commented lines inside are exactly the examples.
fn uncomment_routes(source: &str) -> String {
    let mut inside = false;
    let mut uncommented = 0;
    let mut lines: Vec<String> = Vec::new();
    for line in source.lines() {
        if line.contains("routes! {") {
            inside = true;
        } else if inside && line.trim() == "})" {
            inside = false;
        }
        let code = line.trim_start();
        match code.strip_prefix("// ") {
            Some(code) if inside => {
                let indent = &line[..line.len() - line.trim_start().len()];
                lines.push(format!("{indent}{code}"));
                uncommented += 1;
            }
            _ => lines.push(line.to_owned()),
        }
    }
    assert!(uncommented > 0, "no commented examples in the routes");
    lines.join("\n") + "\n"
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_installed_app_builds_runs_and_consumes() {
    let _turn = TARGET_DIR.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("shop");

    let first = install(&project, &[]).await;
    for file in [
        "karafka.toml",
        "src/lib.rs",
        "src/routes.rs",
        "src/consumers/mod.rs",
        "src/consumers/application_consumer.rs",
        "src/consumers/example_consumer.rs",
        "src/bin/produce.rs",
        "tests/example_consumer.rs",
    ] {
        assert!(
            first.contains(&format!("create  {file}\n")),
            "{file}: {first}"
        );
    }
    assert!(
        first.contains("wire  src/main.rs\n"),
        "cargo's hello world is replaced: {first}"
    );
    assert!(
        first.contains("set  Cargo.toml default-run = \"shop\""),
        "{first}"
    );
    assert!(std::fs::read_to_string(project.join("karafka.toml"))
        .unwrap()
        .contains("client_id = \"shop\""));
    let manifest: toml_edit::DocumentMut = std::fs::read_to_string(project.join("Cargo.toml"))
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(manifest["package"]["default-run"].as_str(), Some("shop"));
    let features = |dependency: &str| manifest["dependencies"][dependency]["features"].to_string();
    assert!(features("serde").contains("\"derive\""), "{manifest}");
    assert!(
        features("tokio").contains("\"rt-multi-thread\""),
        "{manifest}"
    );
    assert!(features("tokio").contains("\"macros\""), "{manifest}");
    for dependency in ["karafka", "anyhow", "serde_json", "tower", "tracing"] {
        assert!(
            manifest["dependencies"].get(dependency).is_some(),
            "{dependency}: {manifest}"
        );
    }
    assert!(
        manifest["dev-dependencies"]
            .get("karafka-testing")
            .is_some(),
        "{manifest}"
    );

    // The user's edits survive a second install (the app's own topic, here); --force overwrites.
    let topic = unique("installed");
    let routes = project.join("src/routes.rs");
    let edited = edit(&routes, "\"example", &format!("\"{topic}"));
    for file in ["src/bin/produce.rs", "tests/example_consumer.rs"] {
        edit(&project.join(file), "\"example", &format!("\"{topic}"));
    }
    let second = install(&project, &[]).await;
    assert!(second.contains("skip  src/routes.rs\n"), "{second}");
    assert!(
        second.contains("skip  src/main.rs (exists: call `karafka::run!(shop::app)`"),
        "{second}"
    );
    assert!(
        second.contains("skip  src/lib.rs (exists: add `pub mod"),
        "{second}"
    );
    assert!(second.contains("skip  Cargo.toml default-run"), "{second}");
    assert_eq!(std::fs::read_to_string(&routes).unwrap(), edited);

    // The routes' commented examples compile and run: a layer (logging each batch at debug), a
    // dead-letter queue with its declared topic, virtual partitions.
    std::fs::write(&routes, uncomment_routes(&edited)).unwrap();
    // A second binary of the app, which reaches the app through its library.
    std::fs::write(
        project.join("src/bin/worker.rs"),
        "fn main() -> std::process::ExitCode {\n    \
         eprintln!(\"the worker binary runs\");\n    \
         karafka::cli::run(shop::app)\n}\n",
    )
    .unwrap();
    run(&project, env!("CARGO"), &["build", "--quiet"], BUILD).await;
    // The scaffold is rustfmt-clean, in the edition `cargo new` chose for it.
    run(
        &project,
        env!("CARGO"),
        &["fmt", "--check"],
        Duration::from_secs(60),
    )
    .await;
    // The scaffold's own tests need no broker: its settings and routes are valid, and its
    // consumer is tested with karafka-testing. The brokers it is given listen nowhere.
    let tested = run_with(
        &project,
        env!("CARGO"),
        &["test", "--quiet"],
        Duration::from_secs(600),
        &[("KARAFKA_KAFKA__BOOTSTRAP_SERVERS", "127.0.0.1:1")],
    )
    .await;
    assert!(tested.contains("1 passed"), "the settings test: {tested}");
    assert!(
        tested.contains("2 passed"),
        "the consumer's tests: {tested}"
    );
    let bin = Path::new(&target_dir()).join("debug");

    let shop = bin.join("shop");
    // The scaffold's main uses `karafka::run!`: `--version` names the app and its version.
    let version = run(
        &project,
        shop.to_str().unwrap(),
        &["--version"],
        Duration::from_secs(10),
    )
    .await;
    assert!(version.starts_with("shop 0.1.0 (karafka "), "{version}");
    let migrated = run(
        &project,
        shop.to_str().unwrap(),
        &["topics", "migrate"],
        Duration::from_secs(60),
    )
    .await;
    assert!(
        migrated.contains(&format!("+ create {topic}:")),
        "{migrated}"
    );
    assert!(
        migrated.contains(&format!("+ create {topic}_dlq:")),
        "{migrated}"
    );

    // `cargo karafka server --bin worker` hands over to that binary, so SIGTERM reaches it.
    let group = unique("installed-group");
    let target = target_dir();
    let mut server = Probe::command_in(
        Some(&project),
        CARGO_KARAFKA,
        &["karafka", "server", "--bin", "worker"],
        &topic,
        &group,
        &[
            build_env(&target).as_slice(),
            &[("RUST_LOG", "info,shop=debug")],
        ]
        .concat(),
    );
    server
        .wait_log_or_exit("Assigned partitions", Duration::from_secs(120))
        .await;
    server
        .wait_log("the worker binary runs", Duration::from_secs(1))
        .await;
    let produced = run(
        &project,
        bin.join("produce").to_str().unwrap(),
        &[],
        Duration::from_secs(60),
    )
    .await;
    assert!(
        produced.contains(&format!("produced to {topic}/0 at offset 0")),
        "{produced}"
    );
    server
        .wait_log(r#"{"Karafka is awesome":"true"}"#, Duration::from_secs(30))
        .await;
    server
        .wait_log(&format!("batch of {topic}"), Duration::from_secs(1))
        .await;
    server.signal("TERM");
    let (code, log) = server.wait(Duration::from_secs(30)).await;
    assert_eq!(code, Some(0), "{log}");

    let forced = install(&project, &["--force"]).await;
    assert!(forced.contains("overwrite  src/routes.rs\n"), "{forced}");
    assert!(forced.contains("overwrite  src/lib.rs\n"), "{forced}");
}

/// The shell block right after the README's `by-hand-steps` marker, line by line.
fn by_hand_steps(readme: &str) -> Vec<&str> {
    let mut lines = readme
        .lines()
        .skip_while(|line| !line.starts_with("<!-- by-hand-steps:"));
    assert!(
        lines.next().is_some(),
        "README.md has no by-hand-steps marker"
    );
    assert_eq!(
        lines.next(),
        Some("```sh"),
        "a sh block follows the by-hand-steps marker"
    );
    lines.take_while(|line| *line != "```").collect()
}

fn git(args: &[&str]) -> String {
    let output = std::process::Command::new("git")
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

/// The README's "By hand" steps, verbatim, from a fresh clone of this repository's HEAD (so
/// uncommitted changes are not tested): install `cargo karafka`, create the app next to the clone,
/// create its topic and run its server, which then consumes a message.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readme_by_hand_steps_work_verbatim_from_a_fresh_clone() {
    let _turn = TARGET_DIR.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let clone = dir.path().join("karafka");
    let workspace = workspace();
    let head = git(&["-C", workspace.to_str().unwrap(), "rev-parse", "HEAD"]);
    git(&[
        "clone",
        "--quiet",
        workspace.to_str().unwrap(),
        clone.to_str().unwrap(),
    ]);
    git(&["-C", clone.to_str().unwrap(), "checkout", "--quiet", &head]);

    let readme = std::fs::read_to_string(clone.join("README.md")).unwrap();
    let steps = by_hand_steps(&readme);
    let (server_step, setup) = steps.split_last().unwrap();
    assert!(
        server_step.starts_with("cargo karafka server"),
        "the steps end by running the server: {server_step}"
    );
    // The same shell runs the steps and then becomes the server, so SIGTERM reaches it; with -e
    // a failing step ends the shell, and the test, at once.
    let script = format!("{}\nexec {server_step}\n", setup.join("\n"));

    // `cargo install` installs into the test's own root, first on PATH. Cargo looks in its home's
    // bin before PATH unless PATH names it: name it after the root.
    let root = dir.path().join("root");
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(&std::env::var_os("HOME").unwrap()).join(".cargo"));
    let path = std::env::join_paths(
        [root.join("bin"), cargo_home.join("bin")]
            .into_iter()
            .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
    )
    .unwrap();
    let target = target_dir();
    let group = unique("readme-group");
    let mut shell = Probe::command_in(
        Some(&clone),
        "bash",
        &["-e", "-c", &script],
        "example",
        &group,
        &[
            build_env(&target).as_slice(),
            &[
                ("CARGO_INSTALL_ROOT", root.to_str().unwrap()),
                ("PATH", path.to_str().unwrap()),
            ],
        ]
        .concat(),
    );
    shell.wait_log_or_exit("Assigned partitions", BUILD).await;
    assert!(
        dir.path().join("my_app/src/lib.rs").exists(),
        "the app is next to the clone"
    );

    // The server's group is the test's own (Probe sets KARAFKA_GROUP_ID), so it reads `example`
    // from the start, where earlier runs left messages: this one is the test's own.
    let payload = serde_json::json!({ "readme": unique("by-hand") });
    producer()
        .produce_sync(Record::json("example", &payload).unwrap())
        .await
        .unwrap();
    shell
        .wait_log(&payload.to_string(), Duration::from_secs(60))
        .await;
    shell.signal("TERM");
    let (code, log) = shell.wait(Duration::from_secs(30)).await;
    assert_eq!(code, Some(0), "{log}");
}
