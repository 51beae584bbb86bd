//! `cargo karafka install` into a new project, which then builds, runs its server against the real
//! broker and consumes a message produced from app code.

// Test helpers fail loudly: an unexpected error is the test failing.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use karafka::Record;
use karafka_integration_tests::{bootstrap_servers, producer, unique, Probe};

const CARGO_KARAFKA: &str = env!("CARGO_BIN_EXE_cargo-karafka");

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

fn install(project: &Path, extra: &[&str]) -> String {
    let output = Command::new(CARGO_KARAFKA)
        .args(["karafka", "install", "--path"])
        .arg(project)
        .arg("--karafka-path")
        .arg(workspace().join("karafka-core"))
        .args(extra)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_installed_app_builds_runs_and_consumes() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("shop");

    let first = install(&project, &[]);
    for file in [
        "karafka.toml",
        "src/karafka.rs",
        "src/consumers/mod.rs",
        "src/consumers/application_consumer.rs",
        "src/consumers/example_consumer.rs",
    ] {
        assert!(
            first.contains(&format!("create  {file}")),
            "{file}: {first}"
        );
    }
    assert!(
        first.contains("wire  src/main.rs"),
        "cargo's hello world is replaced: {first}"
    );
    assert!(std::fs::read_to_string(project.join("karafka.toml"))
        .unwrap()
        .contains("client_id = \"shop\""));

    // The user's edits survive a second install; --force overwrites.
    let routes = project.join("src/karafka.rs");
    let topic = unique("installed");
    let edited = std::fs::read_to_string(&routes)
        .unwrap()
        .replace("\"example\"", &format!("{topic:?}"));
    std::fs::write(&routes, &edited).unwrap();
    let second = install(&project, &[]);
    assert!(second.contains("skip  src/karafka.rs"), "{second}");
    assert_eq!(std::fs::read_to_string(&routes).unwrap(), edited);

    let target = workspace().join("target/install-test");
    let built = Command::new(env!("CARGO"))
        .args(["build", "--quiet", "--manifest-path"])
        .arg(project.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", &target)
        .status()
        .unwrap();
    assert!(built.success());
    let app = target.join("debug/shop");
    // The ordering of `topics migrate` before `server` mirrors the quickstart.
    let app = app.to_str().unwrap();

    let env = [("KARAFKA_KAFKA__BOOTSTRAP_SERVERS", bootstrap_servers())];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (code, out, err) = Probe::output(app, &["topics", "migrate"], &topic, &env).await;
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains(&format!("+ create {topic}")), "{out}");

    // `cargo karafka server` in the project hands over to the app, so SIGTERM reaches it.
    let group = unique("installed-group");
    let target_dir = target.to_str().unwrap();
    let mut server = Probe::command_in(
        Some(&project),
        CARGO_KARAFKA,
        &["karafka", "server"],
        &topic,
        &group,
        &[env[0], ("CARGO_TARGET_DIR", target_dir)],
    );
    server
        .wait_log("Assigned partitions", Duration::from_secs(60))
        .await;
    producer()
        .produce_sync(
            Record::json(&topic, &serde_json::json!({"Karafka is awesome": "true"})).unwrap(),
        )
        .await
        .unwrap();
    server
        .wait_log(r#"{"Karafka is awesome":"true"}"#, Duration::from_secs(30))
        .await;
    server.signal("TERM");
    let (code, log) = server.wait(Duration::from_secs(30)).await;
    assert_eq!(code, Some(0), "{log}");

    let forced = install(&project, &["--force"]);
    assert!(forced.contains("overwrite  src/karafka.rs"), "{forced}");
}
