//! No output of an app shows the value of a secret setting, whatever goes wrong: a setting this
//! build does not support, a value of the wrong type, a value librdkafka refuses, an unreachable
//! broker, a broker that refuses the SASL handshake, and `info`; nor does a whole run over
//! SASL_SSL with the broker's real password, logged at debug level.

use std::time::Duration;

use karafka_integration_tests::secure::{Secured, SCRAM_PASSWORD};
use karafka_integration_tests::*;

const PROBE: &str = env!("CARGO_BIN_EXE_probe");
const MARKER: &str = "m4rk3r-s3cr3t-9f2e";

/// The secret settings every case sets, each to the marker.
const SECRETS: &[(&str, &str)] = &[
    ("KARAFKA_KAFKA__SASL_USERNAME", MARKER),
    ("KARAFKA_KAFKA__SASL_PASSWORD", MARKER),
    ("KARAFKA_KAFKA__SSL_KEY_PASSWORD", MARKER),
];

fn with_secrets(extra: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    SECRETS.iter().chain(extra).copied().collect()
}

fn assert_hidden(case: &str, stdout: &str, stderr: &str) {
    assert!(
        !stdout.contains(MARKER) && !stderr.contains(MARKER),
        "{case} printed a secret:\nstdout: {stdout}\nstderr: {stderr}"
    );
}

/// Runs `info` (which builds and validates the app) and expects a refusal naming `named`.
async fn refused(case: &str, extra: &[(&'static str, &'static str)], named: &str) {
    let topic = unique("secrets");
    let (code, out, err) = Probe::output(PROBE, &["info"], &topic, &with_secrets(extra)).await;
    assert_hidden(case, &out, &err);
    assert_eq!(code, Some(1), "{case}: {out}{err}");
    assert!(err.contains(named), "{case} names {named}: {err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configuration_errors_never_show_a_secret() {
    refused(
        "a property this build does not support",
        // OIDC needs libcurl, which this build lacks: librdkafka refuses the property and
        // quotes its value (the leak this test was written for).
        &[("KARAFKA_KAFKA__SASL_OAUTHBEARER_CLIENT_SECRET", MARKER)],
        "sasl.oauthbearer.client.secret",
    )
    .await;
    refused(
        "a value of the wrong type",
        &[("KARAFKA_MAX_MESSAGES", "many")],
        "max_messages",
    )
    .await;
    refused(
        "a value librdkafka refuses",
        &[("KARAFKA_KAFKA__SESSION_TIMEOUT_MS", "soon")],
        "session.timeout.ms",
    )
    .await;
    refused(
        "an unknown property",
        &[("KARAFKA_KAFKA__SASL_PASSWORDS", MARKER)],
        "sasl.passwords",
    )
    .await;

    let topic = unique("secrets");
    let (code, out, err) = Probe::output(PROBE, &["info"], &topic, &with_secrets(&[])).await;
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("sasl.password"), "{out}");
    assert_hidden("info", &out, &err);
}

/// Runs the server for a few seconds against brokers that fail it, then stops it.
async fn failing_server(case: &str, extra: &[(&'static str, &'static str)]) {
    let topic = unique("secrets");
    let group = unique("secrets-group");
    let mut server = Probe::spawn(PROBE, &topic, &group, &with_secrets(extra));
    server.wait_log("subscribed", Duration::from_secs(30)).await;
    // Long enough for librdkafka to try and fail to connect (and log it) several times.
    tokio::time::sleep(Duration::from_secs(4)).await;
    server.signal("TERM");
    let (_, err) = server.wait(Duration::from_secs(60)).await;
    assert!(
        err.contains("127.0.0.1"),
        "{case}: the failure is reported: {err}"
    );
    assert_hidden(case, &server.stdout_text(), &err);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_failures_never_show_a_secret() {
    let sasl = [
        ("KARAFKA_KAFKA__SECURITY_PROTOCOL", "SASL_PLAINTEXT"),
        ("KARAFKA_KAFKA__SASL_MECHANISM", "PLAIN"),
    ];
    // Nothing listens on port 1.
    let mut unreachable = vec![("KARAFKA_KAFKA__BOOTSTRAP_SERVERS", "127.0.0.1:1")];
    unreachable.extend(sasl);
    failing_server("an unreachable broker", &unreachable).await;
    // The test broker speaks PLAINTEXT only: the SASL handshake is refused.
    failing_server("a refused SASL handshake", &sasl).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whole_run_over_sasl_never_shows_the_password() {
    let (topic, group) = topic_and_group("secrets-sasl", 1).await;
    produce_to(&topic, 0, &["{}"; 3]).await;
    let mut env = Secured::SaslSsl.env();
    // Everything the app and librdkafka say about security, at debug level.
    env.push(("KARAFKA_KAFKA__DEBUG".into(), "security,broker".into()));
    env.push(("RUST_LOG".into(), "debug".into()));
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let hidden = |case: &str, stdout: &str, stderr: &str| {
        assert!(
            !stdout.contains(SCRAM_PASSWORD) && !stderr.contains(SCRAM_PASSWORD),
            "{case} printed the password:\nstdout: {stdout}\nstderr: {stderr}"
        );
    };

    let mut server = Probe::spawn(PROBE, &topic, &group, &env);
    server.wait_handled(3, Duration::from_secs(60)).await;
    server.signal("TERM");
    let (code, err) = server.wait(Duration::from_secs(60)).await;
    assert_eq!(code, Some(0), "{err}");
    assert!(
        err.contains("SASL"),
        "librdkafka's security lines are in the log: {err}"
    );
    hidden("the server", &server.stdout_text(), &err);

    for command in [
        &["info"][..],
        &["consumer-groups", "lag", "--group", &group],
        &["topics", "plan"],
    ] {
        let (code, out, err) = Probe::output(PROBE, command, &topic, &env).await;
        assert_eq!(code, Some(0), "{command:?}: {out}{err}");
        hidden(&format!("{command:?}"), &out, &err);
    }
}
