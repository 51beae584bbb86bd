//! The UI's router without a broker: pages render from a board of made-up reports, assets are
//! served, and the security layer refuses what it must.

// A failed set-up step is a failed test.
#![allow(clippy::expect_used)]

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use karafka::config::{Config, Secret, WebConfig};
use karafka::consumer::Noop;
use karafka::middleware::DeadLetterQueue;
use karafka::routing::{Routes, Topic};
use karafka::App;
use karafka_web::ui::fake;
use karafka_web::Ui;
use tower::ServiceExt as _;

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_millis() as u64)
}

fn ui(web: WebConfig) -> Ui {
    // Nothing listens here: a request needing the cluster fails fast instead of hanging.
    let config = Config {
        web,
        ..Config::default()
    }
    .kafka("bootstrap.servers", "127.0.0.1:1");
    let routes = Routes::new().topic(
        Topic::new("orders")
            .consumer::<Noop>()
            .dead_letter_queue(DeadLetterQueue::new("orders-dlq")),
    );
    let app = App::builder()
        .config(config)
        .routes(routes)
        .build()
        .expect("valid app");
    Ui::new(&app).expect("ui")
}

fn with_fake_board(ui: &Ui, processes: usize, partitions: usize) {
    let board = fake::board(processes, partitions, now_ms());
    *ui.board().write().expect("not poisoned") = board;
}

async fn call(router: &Router, request: Request<Body>) -> (StatusCode, String) {
    let response = router.clone().oneshot(request).await.expect("answered");
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("body");
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

fn get(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).expect("request")
}

fn post(uri: &str, headers: &[(&str, &str)], form: &str) -> Request<Body> {
    let mut request =
        Request::post(uri).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.body(Body::from(form.to_owned())).expect("request")
}

#[tokio::test]
async fn board_pages_render_with_stable_selectors() {
    let ui = ui(WebConfig::default());
    with_fake_board(&ui, 3, 60);
    let router = ui.router();
    let (status, html) = call(&router, get("/")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(r#"id="processes-up" data-value="3""#),
        "{html}"
    );
    assert!(html.contains("<svg"), "charts are inline SVG");
    let (_, html) = call(&router, get("/consumers")).await;
    assert!(html.contains(r#"class="partition" data-process-id="host-0:100:1000""#));
    assert!(
        html.contains(r#"data-topic="fake-0" data-partition="1" data-lag="3" data-state="paused""#),
        "{html}"
    );
    assert!(html.contains(r#"value="resume/fake-0/1""#));
    let (_, html) = call(&router, get("/errors?topic=fake-1")).await;
    assert!(html.contains(r#"class="error" data-topic="fake-1""#));
    assert!(!html.contains(r#"data-topic="fake-2""#));
    let (status, html) = call(&router, get("/routes")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(r#"class="route" data-topic="orders""#),
        "{html}"
    );
    let (_, html) = call(&router, get("/dead_letters")).await;
    assert!(html.contains(r#"data-topic="orders-dlq""#), "{html}");
}

#[tokio::test]
async fn pages_reference_no_outside_url_and_assets_are_served() {
    let ui = ui(WebConfig::default());
    with_fake_board(&ui, 1, 5);
    let router = ui.router();
    for page in ["/", "/consumers", "/routes", "/errors", "/dead_letters"] {
        let (_, html) = call(&router, get(page)).await;
        for attribute in ["src=\"http", "href=\"http", "src=\"//", "href=\"//"] {
            assert!(!html.contains(attribute), "{page} has {attribute}");
        }
    }
    let (status, js) = call(&router, get("/assets/vendor/htmx/htmx.min.js")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(js.contains("htmx"));
    let (status, _) = call(&router, get("/assets/app.css")).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = call(&router, get("/assets/../Cargo.toml")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn commands_are_refused_without_a_configured_credential() {
    let router = ui(WebConfig::default()).router();
    let (status, text) = call(&router, post("/commands", &[], "process_id=p&command=stop")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(text.contains("web.token"), "{text}");
}

#[tokio::test]
async fn commands_need_the_token_and_the_same_origin() {
    let web = WebConfig {
        token: Some(Secret::new("s3cret")),
        ..WebConfig::default()
    };
    let router = ui(web).router();
    let (status, _) = call(
        &router,
        post(
            "/commands",
            &[("authorization", "Bearer nope")],
            "process_id=p&command=stop",
        ),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let cross = [
        ("authorization", "Bearer s3cret"),
        ("sec-fetch-site", "cross-site"),
    ];
    let (status, _) = call(
        &router,
        post("/commands", &cross, "process_id=p&command=stop"),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let foreign = [
        ("authorization", "Bearer s3cret"),
        ("origin", "http://evil.test"),
        ("host", "127.0.0.1:3000"),
    ];
    let (status, _) = call(
        &router,
        post("/commands", &foreign, "process_id=p&command=stop"),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Authorized, but not a command: the handler answers, not the guard.
    let (status, _) = call(
        &router,
        post(
            "/commands",
            &[("authorization", "Bearer s3cret")],
            "process_id=p&command=halt",
        ),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = call(&router, get("/commands")).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn protected_pages_ask_the_browser_to_log_in_and_never_show_secrets() {
    let web = WebConfig {
        username: Some("admin".into()),
        password: Some(Secret::new("hunter2")),
        token: Some(Secret::new("s3cret")),
        protect_pages: true,
        ..WebConfig::default()
    };
    let ui = ui(web);
    with_fake_board(&ui, 1, 3);
    let router = ui.router();
    let response = router.clone().oneshot(get("/")).await.expect("answered");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(response.headers().contains_key(header::WWW_AUTHENTICATE));
    // "admin:hunter2"
    let login = [("authorization", "Basic YWRtaW46aHVudGVyMg==")];
    for page in ["/", "/consumers", "/routes", "/errors"] {
        let mut request = get(page);
        request
            .headers_mut()
            .insert("authorization", login[0].1.parse().expect("header"));
        let (status, html) = call(&router, request).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(
            !html.contains("hunter2") && !html.contains("s3cret"),
            "{page}"
        );
    }
}

#[test]
fn every_board_page_renders_for_50_processes_of_1000_partitions() {
    // Timings are printed, not asserted: `cargo run --release --example render` measures them.
    let board = fake::board(50, 1000, now_ms());
    let now = now_ms();
    let started = Instant::now();
    let dashboard = karafka_web::ui::pages::dashboard::render(&board, now).into_string();
    let dashboard_took = started.elapsed();
    let started = Instant::now();
    let consumers = karafka_web::ui::pages::consumers::render(&board, now).into_string();
    let consumers_took = started.elapsed();
    assert!(dashboard.contains(r#"id="partitions" data-value="50000""#));
    assert_eq!(
        consumers.matches(r#"<tr class="partition""#).count(),
        50_000
    );
    eprintln!(
        "dashboard {:?}, consumers {:?} ({} KiB)",
        dashboard_took,
        consumers_took,
        consumers.len() / 1024
    );
}

#[tokio::test]
async fn a_taken_address_is_an_error_naming_web_address() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let address = taken.local_addr().expect("bound").to_string();
    let ui = ui(WebConfig {
        address: address.clone(),
        ..WebConfig::default()
    });
    let error = ui.serve(async {}).await.expect_err("the port is taken");
    let text = error.to_string();
    assert!(
        text.contains("web.address") && text.contains(&address),
        "{text}"
    );
}
