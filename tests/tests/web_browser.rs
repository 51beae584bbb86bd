//! The web UI in a real browser (headless Chromium through chromedriver) against a real broker
//! and a running server that serves the UI itself: every page loads without a console error and
//! shows the run's figures; a pause clicked in the consumers page pauses the partition; a dead
//! letter replayed from its page is consumed; a command without the credential is refused.
//! Screenshots of each page land in `target/screenshots/`.

use std::time::Duration;

use karafka::config::Secret;
use karafka_integration_tests::browser::Browser;
use karafka_integration_tests::web::{reported, wait_report, WebSetup, FAILURE, POISON};
use karafka_integration_tests::*;
use karafka_web::report::PartitionState;

const USER: &str = "admin";
const PASSWORD: &str = "s3cret-pw";

/// How long a page may take to show a figure: reports come every 200 ms, live parts refresh
/// every 5 s.
const SHOWN: Duration = Duration::from_secs(30);

/// Opens `path`, checks that the page logged no console error, and takes its screenshot.
async fn visit(browser: &Browser, base: &str, path: &str, name: &str) {
    browser.open(&format!("{base}{path}")).await;
    let errors = browser.console_errors().await;
    assert!(
        errors.is_empty(),
        "{path} logged console errors: {errors:?}"
    );
    browser.screenshot(name).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_page_shows_the_run_and_commands_work_from_the_browser() {
    logs();
    let address = free_address();
    let setup = WebSetup::new(|web| karafka::config::WebConfig {
        serve_in_server: true,
        address: address.clone(),
        username: Some(USER.into()),
        password: Some(Secret::new(PASSWORD)),
        protect_pages: true,
        ..web
    })
    .await;
    let (server, process, admin) = setup.start();
    let reports = &setup.config.web.reports_topic;
    let topic = &setup.topic;

    produce_to(topic, 0, &["a", "b", "c"]).await;
    produce_to(topic, 1, &["d", POISON]).await;
    wait_report(&admin, reports, &process, "both partitions at lag 0", |r| {
        (0..2).all(|p| reported(r, topic, p).is_some_and(|p| p.lag == Some(0)))
    })
    .await;

    // Without the credential: the pages ask for it, and a command is refused.
    let plain = format!("http://{address}");
    let refused = ureq::post(format!("{plain}/commands"))
        .send_form([("command", format!("pause/{topic}/0"))]);
    assert!(
        matches!(refused, Err(ureq::Error::StatusCode(401 | 403))),
        "a command without the credential must be refused: {refused:?}"
    );

    let browser = Browser::start().await;
    // Logs in once, as a person does at the browser's prompt; later requests carry the
    // credential the browser keeps for the site, the buttons' requests too.
    browser
        .open(&format!("http://{USER}:{PASSWORD}@{address}/"))
        .await;
    let base = plain;

    visit(&browser, &base, "/", "web-dashboard").await;
    browser
        .wait_for_text("#overview #processes-up", "1", SHOWN)
        .await;

    visit(&browser, &base, "/consumers", "web-consumers").await;
    let row = |partition: i32| {
        format!("tr.partition[data-topic='{topic}'][data-partition='{partition}']")
    };
    // The row's raw figures are exact where its text would only contain them.
    for partition in 0..2 {
        browser
            .wait_for_text(
                &format!("{}[data-lag='0'] td.lag", row(partition)),
                "0",
                SHOWN,
            )
            .await;
    }

    visit(&browser, &base, "/routes", "web-routes").await;
    browser
        .wait_for_text(
            &format!("#routes tr.route[data-topic='{topic}']"),
            &setup.dead_letters,
            SHOWN,
        )
        .await;

    visit(
        &browser,
        &base,
        &format!("/errors?topic={topic}"),
        "web-errors",
    )
    .await;
    browser
        .wait_for_text(
            &format!("#errors tr.error[data-topic='{topic}']"),
            FAILURE,
            SHOWN,
        )
        .await;

    visit(
        &browser,
        &base,
        &format!("/explorer/{topic}/1"),
        "web-explorer",
    )
    .await;
    browser
        .wait_for_text("#messages tr.message[data-offset='1']", POISON, SHOWN)
        .await;

    visit(&browser, &base, "/cluster", "web-cluster").await;
    browser.wait_for_text("#cluster-topics", topic, SHOWN).await;

    // The dead letter is listed with where it came from, and its replay is consumed.
    visit(
        &browser,
        &base,
        &format!("/dead_letters/{}", setup.dead_letters),
        "web-dead-letters",
    )
    .await;
    browser
        .wait_for_text(
            "#dead-letters tr.dead-letter[data-offset='0']",
            FAILURE,
            SHOWN,
        )
        .await;
    let handled = setup.log.len();
    browser
        .click("#dead-letters tr.dead-letter[data-offset='0'] button.replay")
        .await;
    browser.wait_for_text("#flash", "Replayed 1", SHOWN).await;
    wait_for(SHOWN, "the replayed dead letter consumed", || {
        setup.log.len() > handled
    })
    .await;

    // A pause clicked in the browser pauses the partition: its state shows it and its lag grows.
    visit(&browser, &base, "/consumers", "web-consumers-before-pause").await;
    browser.click(&format!("{} button.pause", row(0))).await;
    wait_report(&admin, reports, &process, "partition 0 held", |r| {
        reported(r, topic, 0).is_some_and(|p| p.state == PartitionState::Held)
    })
    .await;
    produce_to(topic, 0, &["e", "f"]).await;
    browser.open(&format!("{base}/consumers")).await;
    browser
        .wait_for_text(
            &format!("{}[data-state='held'][data-lag='2'] td.lag", row(0)),
            "2",
            SHOWN,
        )
        .await;
    browser.screenshot("web-consumers-paused").await;
    let errors = browser.console_errors().await;
    assert!(
        errors.is_empty(),
        "the consumers page logged console errors: {errors:?}"
    );

    browser.close().await;
    server.stop().await;
}
