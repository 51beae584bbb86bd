//! TLS, SASL and OAuth against the test broker's secured listeners: consuming, producing, the
//! dead-letter queue and admin requests (API and command line) over SASL_SSL and
//! SASL_PLAINTEXT; a wrong password, an untrusted certificate and a wrong mechanism stop the
//! server at start, naming which, and the admin's requests fail naming which; OAUTHBEARER tokens from an `OAuthTokenProvider`, refreshed
//! before they expire, for consumers, the producer and the admin.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use karafka::admin::{Admin, AdminError};
use karafka::config::{OAuthToken, OAuthTokenProvider, Refusal};
use karafka::middleware::DeadLetterQueue;
use karafka::routing::{Routes, Topic};
use karafka::{async_trait, App, BoxError, Config, Consumer, Context, Error, Producer, Record};
use karafka_integration_tests::secure::*;
use karafka_integration_tests::*;

const PROBE: &str = env!("CARGO_BIN_EXE_probe");

/// Records every message, and fails those whose payload is `poison` (no retries: straight to
/// the dead-letter queue).
#[derive(Clone)]
struct Picky(Log);

#[async_trait]
impl Consumer for Picky {
    async fn consume(&mut self, ctx: &mut Context) -> anyhow::Result<()> {
        for message in ctx.messages() {
            if message.raw_payload() == Some(&b"poison"[..]) {
                anyhow::bail!("poison at {}", message.offset());
            }
            self.0.record(message, ctx.attempt());
            ctx.mark_as_consumed(message);
        }
        Ok(())
    }
}

/// Over `listener`: creates a topic and its dead-letter topic with the admin API, produces five
/// records (the third is poison), consumes them with a server, checks that the poison reached
/// the dead-letter topic and that the group has no lag (admin API and `consumer-groups lag`),
/// and creates and deletes a topic with the `topics` commands.
async fn round_trip(listener: Secured) {
    let name = format!("{listener:?}").to_ascii_lowercase();
    let (source, dlq, group) = (
        unique(&name),
        unique(&format!("{name}-dlq")),
        unique(&format!("{name}-group")),
    );
    let config = listener.config(&group);
    let admin = Admin::new(&config).expect("admin client");
    admin
        .create_topic(&source, 1, 1)
        .await
        .expect("topic created");
    admin.create_topic(&dlq, 1, 1).await.expect("dlq created");
    let producer = Producer::new(&config).expect("producer");
    let records = ["a", "b", "poison", "d", "e"]
        .into_iter()
        .map(|payload| Record::new(&source, payload.as_bytes()).partition(0));
    producer
        .produce_many_sync(records)
        .await
        .expect("produced over SASL");

    let log = Log::default();
    let picky = Picky(log.clone());
    let server = RunningServer::start(
        config,
        Routes::new().topic(
            Topic::new(&source)
                .dead_letter_queue(DeadLetterQueue::new(&dlq).max_retries(0))
                .consumer_with(move || picky.clone()),
        ),
    );
    log.wait_until(Duration::from_secs(60), "the last message", |handled| {
        handled.iter().any(|h| h.offset == 4)
    })
    .await;
    let offsets: Vec<i64> = log.snapshot().iter().map(|h| h.offset).collect();
    assert_eq!(offsets, vec![0, 1, 3, 4], "all but the poison, once each");
    let waiting = Instant::now();
    while !admin
        .lag(&group, &source)
        .await
        .is_ok_and(|lags| lags.iter().all(|lag| lag.lag == 0))
    {
        assert!(
            waiting.elapsed() < Duration::from_secs(30),
            "the group still lags after 30 s: {:?}",
            admin.lag(&group, &source).await
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    server.stop().await;

    let (_, end) = admin.watermarks(&dlq, 0).await.expect("dlq watermarks");
    let letters = admin
        .read_topic(&dlq, 0, 0, usize::try_from(end).unwrap_or_default())
        .await
        .expect("dlq read over SASL");
    let payloads: Vec<_> = letters
        .iter()
        .map(|m| m.raw_payload().map(<[u8]>::to_vec))
        .collect();
    assert_eq!(payloads, vec![Some(b"poison".to_vec())]);

    let env = listener.env();
    let mut env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    // The probe routes its topic in this group.
    env.push(("KARAFKA_GROUP_ID", &group));
    let (code, out, err) = Probe::output(
        PROBE,
        &["consumer-groups", "lag", "--group", &group],
        &source,
        &env,
    )
    .await;
    assert_eq!(code, Some(0), "lag over {listener:?}: {out}{err}");
    assert_eq!(
        table_rows(&out),
        vec![vec![group.as_str(), source.as_str(), "0", "5", "5", "0"]],
        "{out}"
    );
    let declared = unique(&format!("{name}-cli"));
    for command in ["create", "delete"] {
        let (code, out, err) = Probe::output(PROBE, &["topics", command], &declared, &env).await;
        assert_eq!(
            code,
            Some(0),
            "topics {command} over {listener:?}: {out}{err}"
        );
    }
    assert!(
        admin.partition_count(&declared).await.is_err(),
        "created and deleted again"
    );
    admin.delete_topic(&source).await.expect("topic deleted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consume_produce_dead_letters_and_admin_over_sasl_ssl() {
    round_trip(Secured::SaslSsl).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consume_produce_dead_letters_and_admin_over_sasl_plaintext() {
    round_trip(Secured::SaslPlaintext).await;
}

/// Starts a server of `config` that consumes a topic of the PLAINTEXT listener's broker, and
/// returns the refusal it stops with by itself, and the error's message.
async fn refused_at_start(config: Config) -> (Refusal, String) {
    let topic = unique("refused");
    create_topic(&topic, 1).await;
    let app = App::builder()
        .config(config)
        .routes(Routes::new().topic(Topic::new(&topic).consumer_with(|| Picky(Log::default()))))
        .build()
        .expect("valid app");
    let started = Instant::now();
    let server = app.server().start().await.expect("started");
    let stopped = tokio::time::timeout(Duration::from_secs(30), server.stopped())
        .await
        .expect("the server gave up by itself within 30 s");
    // Connection attempts take milliseconds; giving up must not wait for a timeout.
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    let error = stopped.expect_err("a refused server fails");
    let text = error.to_string();
    match error {
        Error::Refused { refusal, .. } => (refusal, text),
        other => panic!("expected a refusal: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_fails_at_start_naming_the_credentials() {
    let config = Secured::SaslPlaintext
        .config(&unique("wrong-password"))
        .kafka("sasl.password", "not-the-password");
    let (refusal, text) = refused_at_start(config).await;
    assert!(matches!(refusal, Refusal::Credentials(_)), "{text}");
    assert!(text.contains("refused the credentials"), "{text}");
    assert!(text.contains("127.0.0.1:9095"), "{text}");
    assert!(!text.contains("not-the-password"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_untrusted_certificate_fails_at_start_naming_tls() {
    let config = Secured::SaslSsl
        .config(&unique("untrusted"))
        .kafka("ssl.ca.location", tls_file("untrusted-ca.pem"));
    let (refusal, text) = refused_at_start(config).await;
    assert!(matches!(refusal, Refusal::Tls(_)), "{text}");
    assert!(text.contains("TLS handshake failed"), "{text}");
    assert!(text.contains("ssl.ca.location"), "{text}");
}

/// The first request of an admin of `config`, which the brokers refuse: the refusal it fails
/// with, and the error's message.
async fn admin_refused(config: Config) -> (Refusal, String) {
    let admin = Admin::new(&config).expect("valid settings");
    let error = tokio::time::timeout(Duration::from_secs(30), admin.cluster())
        .await
        .expect("the request ended within 30 s")
        .expect_err("a refused admin fails");
    let text = error.to_string();
    match error {
        AdminError::Refused { refusal, .. } => (refusal, text),
        other => panic!("expected a refusal: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_requests_the_brokers_refuse_name_the_refusal() {
    let (password, tls, mechanism) = tokio::join!(
        admin_refused(
            Secured::SaslPlaintext
                .config(&unique("admin-password"))
                .kafka("sasl.password", "not-the-password"),
        ),
        admin_refused(
            Secured::SaslSsl
                .config(&unique("admin-untrusted"))
                .kafka("ssl.ca.location", tls_file("untrusted-ca.pem")),
        ),
        admin_refused(
            Secured::SaslPlaintext
                .config(&unique("admin-mechanism"))
                .kafka("sasl.mechanism", "SCRAM-SHA-256"),
        ),
    );
    assert!(
        matches!(password.0, Refusal::Credentials(_)),
        "{}",
        password.1
    );
    assert!(password.1.contains("127.0.0.1:9095"), "{}", password.1);
    assert!(!password.1.contains("not-the-password"), "{}", password.1);
    assert!(matches!(tls.0, Refusal::Tls(_)), "{}", tls.1);
    assert!(
        matches!(mechanism.0, Refusal::Mechanism(_)),
        "{}",
        mechanism.1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_mechanism_fails_at_start_naming_the_mechanism() {
    let config = Secured::SaslPlaintext
        .config(&unique("wrong-mechanism"))
        .kafka("sasl.mechanism", "SCRAM-SHA-256");
    let (refusal, text) = refused_at_start(config).await;
    assert!(matches!(refusal, Refusal::Mechanism(_)), "{text}");
    assert!(text.contains("SASL mechanism"), "{text}");
    assert!(
        text.contains("SCRAM-SHA-512"),
        "the broker's mechanisms are listed: {text}"
    );
}

/// Hands out unsecured JWTs that live `lifetime`, recording when it was asked.
#[derive(Clone)]
struct Tokens {
    lifetime: Duration,
    asked: Arc<Mutex<Vec<Instant>>>,
}

impl Tokens {
    fn new(lifetime: Duration) -> Self {
        Self {
            lifetime,
            asked: Arc::default(),
        }
    }

    fn asked(&self) -> Vec<Instant> {
        self.asked.lock().unwrap().clone()
    }
}

#[async_trait]
impl OAuthTokenProvider for Tokens {
    async fn token(&self) -> Result<OAuthToken, BoxError> {
        self.asked.lock().unwrap().push(Instant::now());
        // Like a real provider, answer from the app's runtime after an await.
        tokio::time::sleep(Duration::from_millis(10)).await;
        Ok(unsecured_jwt("karafka-app", self.lifetime))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oauth_tokens_from_the_provider_serve_consumers_producer_and_admin_and_are_refreshed() {
    logs();
    // Short-lived tokens: librdkafka asks for the next at 80 % of a token's lifetime.
    let tokens = Tokens::new(Duration::from_secs(6));
    let started = Instant::now();
    let config = oauth_config(&unique("oauth-group")).oauth_token_provider(tokens.clone());
    let admin = Admin::new(&config).expect("admin client");
    let name = unique("oauth");
    let producer = Producer::new(&config).expect("producer");
    admin
        .create_topic(&name, 1, 1)
        .await
        .expect("topic created over OAUTHBEARER");
    producer
        .produce_sync(Record::new(&name, &b"first"[..]).partition(0))
        .await
        .expect("produced over OAUTHBEARER");

    let log = Log::default();
    let picky = Picky(log.clone());
    let server = RunningServer::start(
        config,
        Routes::new().topic(Topic::new(&name).consumer_with(move || picky.clone())),
    );
    log.wait_until(Duration::from_secs(60), "the first message", |h| {
        h.len() == 1
    })
    .await;
    // Past two token lifetimes: every client asked again before its token expired.
    tokio::time::sleep(Duration::from_secs(13).saturating_sub(started.elapsed())).await;
    producer
        .produce_sync(Record::new(&name, &b"second"[..]).partition(0))
        .await
        .expect("produced with a refreshed token");
    log.wait_until(Duration::from_secs(30), "the second message", |h| {
        h.len() == 2
    })
    .await;
    admin
        .partition_count(&name)
        .await
        .expect("admin with a refreshed token");
    server.stop().await;

    let asked = tokens.asked();
    let late = asked
        .iter()
        .filter(|at| at.duration_since(started) > Duration::from_secs(4))
        .count();
    // Admin, producer and consumer each asked at their start, and again before their first
    // token expired (the admin from its refresh task).
    assert!(asked.len() >= 6, "asked {} times: {asked:?}", asked.len());
    assert!(
        late >= 3,
        "refreshes after the first tokens: {late} of {asked:?}"
    );
}

/// Fails every request for a token.
struct Refusing;

#[async_trait]
impl OAuthTokenProvider for Refusing {
    async fn token(&self) -> Result<OAuthToken, BoxError> {
        Err("the identity provider is down".into())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_that_fails_stops_the_server_at_start_with_its_error() {
    let config = oauth_config(&unique("oauth-refused")).oauth_token_provider(Refusing);
    let (refusal, text) = refused_at_start(config).await;
    assert!(matches!(refusal, Refusal::Credentials(_)), "{text}");
    assert!(text.contains("the identity provider is down"), "{text}");
}
