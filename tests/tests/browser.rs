//! The browser harness (`karafka_integration_tests::browser`) against pages served here: it sees
//! console errors where there are some and none where there are none, drives a form, and writes
//! screenshots. Needs Chromium and chromedriver (`scripts/chromium ensure`), no broker.

use std::time::Duration;

use axum::http::header;
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use axum::Router;
use karafka_integration_tests::browser::Browser;

/// A page without errors, with a form whose button shows the typed name a little later.
const CLEAN: &str = r#"<!doctype html>
<html><head><title>clean</title><script src="/app.js"></script></head>
<body>
  <h1 id="title">Hello from the clean page</h1>
  <input id="name" value="typed over">
  <button id="greet" onclick="greet()">Greet</button>
  <p id="greeting">nobody yet</p>
</body></html>"#;

/// The clean page's script: a working one.
const APP_JS: &str = r#"function greet() {
  const name = document.getElementById("name").value;
  setTimeout(() => { document.getElementById("greeting").textContent = "Hello, " + name + "!"; }, 300);
}"#;

/// A page that logs an error, throws, and loads a script that does not exist.
const BROKEN: &str = r#"<!doctype html>
<html><head><title>broken</title></head>
<body>
  <h1 id="title">The broken page</h1>
  <script>console.error("boom from console.error");</script>
  <script>throw new Error("kaboom uncaught");</script>
  <script src="/missing.js"></script>
</body></html>"#;

/// Serves the pages on a free port of 127.0.0.1 and returns their base URL.
async fn serve() -> String {
    let app = Router::new()
        .route("/", get(|| async { Html(CLEAN) }))
        .route(
            "/app.js",
            get(|| async { ([(header::CONTENT_TYPE, "text/javascript")], APP_JS).into_response() }),
        )
        .route("/broken", get(|| async { Html(BROKEN) }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port for the test pages");
    let address = listener.local_addr().expect("the pages' address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{address}")
}

#[tokio::test(flavor = "multi_thread")]
async fn sees_console_errors_only_where_there_are_some() {
    let base = serve().await;
    let browser = Browser::start().await;

    browser.open(&format!("{base}/")).await;
    assert_eq!(browser.text("#title").await, "Hello from the clean page");
    assert_eq!(
        browser.console_errors().await,
        Vec::<String>::new(),
        "the clean page logs no errors"
    );

    browser.open(&format!("{base}/broken")).await;
    let errors = browser.console_errors().await;
    let has = |needle: &str| errors.iter().any(|error| error.contains(needle));
    assert!(
        has("boom from console.error"),
        "console.error is reported: {errors:?}"
    );
    assert!(
        has("Uncaught Error: kaboom uncaught"),
        "an uncaught exception is reported: {errors:?}"
    );
    assert!(
        has("/missing.js"),
        "a script that fails to load is reported: {errors:?}"
    );
    assert_eq!(errors.len(), 3, "nothing else is reported: {errors:?}");
    assert_eq!(
        browser.console_errors().await,
        Vec::<String>::new(),
        "errors are reported once"
    );

    let path = browser.screenshot("harness-broken-page").await;
    let png = std::fs::read(&path).expect("the screenshot was written");
    assert!(
        png.starts_with(b"\x89PNG\r\n\x1a\n"),
        "{} is a PNG",
        path.display()
    );
    assert!(path.ends_with("target/screenshots/harness-broken-page.png"));

    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn fills_clicks_and_waits_for_text() {
    let base = serve().await;
    let browser = Browser::start().await;
    browser.open(&format!("{base}/")).await;

    browser.fill("#name", "Karafka").await;
    browser.click("#greet").await;
    let greeting = browser
        .wait_for_text("#greeting", "Karafka", Duration::from_secs(5))
        .await;
    assert_eq!(greeting, "Hello, Karafka!");
    assert_eq!(browser.console_errors().await, Vec::<String>::new());

    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
#[should_panic(expected = "last: `#greeting` showed \"nobody yet\"")]
async fn a_wait_for_text_that_never_comes_fails_with_what_it_saw() {
    let base = serve().await;
    // No close: the panic drops the browser, which kills chromedriver and Chromium.
    let browser = Browser::start().await;
    browser.open(&format!("{base}/")).await;
    browser
        .wait_for_text("#greeting", "never", Duration::from_millis(500))
        .await;
}
