//! A real browser for tests of web pages: headless Chromium, driven through Debian's
//! `chromedriver` with the WebDriver client `fantoccini`.
//!
//! `scripts/chromium ensure` installs both programs. Every step here is bounded in time and fails
//! the test with a message that says what it waited for, so a broken page or driver never hangs a
//! test.
//!
//! ```no_run
//! # async fn example() {
//! use karafka_integration_tests::browser::Browser;
//! let browser = Browser::start().await;
//! browser.open("http://127.0.0.1:8080/").await;
//! assert_eq!(browser.console_errors().await, Vec::<String>::new());
//! browser.close().await;
//! # }
//! ```

use std::future::Future;
use std::os::unix::process::CommandExt as _;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::wd::{TimeoutConfiguration, WebDriverCompatibleCommand};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};

/// How long chromedriver may take to answer after it was started.
const DRIVER_START: Duration = Duration::from_secs(10);
/// How long starting Chromium (creating the WebDriver session) may take.
const SESSION_START: Duration = Duration::from_secs(60);
/// How long one WebDriver command may take.
const COMMAND: Duration = Duration::from_secs(30);
/// How long a page may take to load, and then to reach `document.readyState == "complete"`.
const PAGE_LOAD: Duration = Duration::from_secs(30);
/// How long [`Browser::text`], [`Browser::click`] and [`Browser::fill`] wait for their element to
/// appear.
const ELEMENT: Duration = Duration::from_secs(5);
/// How often waits poll.
const POLL: Duration = Duration::from_millis(100);

/// A headless Chromium under test control, with its own chromedriver and a throwaway profile.
///
/// Dropping it kills chromedriver and the browser; [`Browser::close`] ends the session politely
/// first.
pub struct Browser {
    client: Client,
    driver: Driver,
}

/// The chromedriver process (in its own process group, with Chromium under it) and the
/// directory holding Chromium's profile and both programs' scratch files; killed and deleted on
/// drop.
struct Driver {
    child: Child,
    scratch: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        // Killing chromedriver alone would leave Chromium running: kill the whole process group
        // (chromedriver was started as its leader), then reap chromedriver.
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Browser {
    /// Starts chromedriver on a free port of 127.0.0.1, waits (at most 10 s) until it answers,
    /// then starts a headless Chromium through it with a 1400×1000 window and the browser's
    /// console log recorded (read it with [`Browser::console_errors`]).
    ///
    /// Panics with a clear message when chromedriver is not installed (`scripts/chromium
    /// ensure`), does not answer, or cannot start Chromium.
    pub async fn start() -> Browser {
        let address = crate::free_address();
        let port = address
            .rsplit(':')
            .next()
            .expect("free_address gives host:port")
            .to_owned();
        let scratch = tempfile::Builder::new()
            .prefix("karafka-chromium-")
            .tempdir()
            .expect("a temporary directory for Chromium's profile");
        // Chromedriver and Chromium put their scratch directories under TMPDIR: keep them in the
        // throwaway directory too, so that a killed browser leaves nothing behind.
        let child = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .env("TMPDIR", scratch.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|error| {
                panic!(
                    "could not start chromedriver ({error}); install it with `scripts/chromium ensure`"
                )
            });
        let mut driver = Driver { child, scratch };
        await_driver(&mut driver, &address).await;

        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({
                "args": [
                    "--headless=new",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    "--window-size=1400,1000",
                    format!("--user-data-dir={}", driver.scratch.path().join("profile").display()),
                ]
            }),
        );
        capabilities.insert("goog:loggingPrefs".into(), json!({"browser": "ALL"}));
        let connect = async {
            ClientBuilder::native()
                .capabilities(capabilities)
                .connect(&format!("http://{address}"))
                .await
        };
        let client = match tokio::time::timeout(SESSION_START, connect).await {
            Ok(Ok(client)) => client,
            Ok(Err(error)) => panic!("chromedriver at {address} could not start Chromium: {error}"),
            Err(_) => {
                panic!("chromedriver at {address} did not start Chromium within {SESSION_START:?}")
            }
        };
        let browser = Browser { client, driver };
        let timeouts = TimeoutConfiguration::new(Some(COMMAND), Some(PAGE_LOAD), None);
        browser
            .command(
                "set the WebDriver timeouts",
                browser.client.update_timeouts(timeouts),
            )
            .await;
        browser
    }

    /// The WebDriver client, for what this harness does not wrap. Bound its calls yourself.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Navigates to `url` and waits (at most 30 s) until the page has loaded
    /// (`document.readyState == "complete"`).
    pub async fn open(&self, url: &str) {
        self.command(&format!("open {url}"), self.client.goto(url))
            .await;
        let deadline = Instant::now() + PAGE_LOAD;
        let mut last = Value::Null;
        while Instant::now() < deadline {
            last = self
                .command(
                    "read document.readyState",
                    self.client.execute("return document.readyState", vec![]),
                )
                .await;
            if last == "complete" {
                return;
            }
            tokio::time::sleep(POLL).await;
        }
        panic!("{url} did not finish loading within {PAGE_LOAD:?}: document.readyState is {last}");
    }

    /// The errors (level `SEVERE`) in the page's console since the last call (or since the
    /// browser started): `console.error` calls, uncaught exceptions, and resources that failed to
    /// load, each as Chromium words it, e.g. `http://127.0.0.1:8080/ 10:12 "boom"`.
    ///
    /// Chromium's own request for `/favicon.ico` is left out: it is not made by the page, and
    /// whether it is logged depends on what Chromium has cached.
    ///
    /// Reads chromedriver's legacy log endpoint `POST /session/{id}/se/log`, falling back to the
    /// older `/session/{id}/log`; reading the log empties it.
    pub async fn console_errors(&self) -> Vec<String> {
        let entries = match self.log("se/log").await {
            Ok(entries) => entries,
            Err(se_log) => self.log("log").await.unwrap_or_else(|log| {
                panic!("chromedriver serves no browser log: se/log said {se_log}; log said {log}")
            }),
        };
        let entries = entries.as_array().cloned().unwrap_or_else(|| {
            panic!("chromedriver's browser log is not a list of entries: {entries}")
        });
        entries
            .iter()
            .filter(|entry| entry["level"] == "SEVERE")
            .map(|entry| match entry["message"].as_str() {
                Some(message) => message.to_owned(),
                None => entry.to_string(),
            })
            .filter(|message| !message.contains("/favicon.ico - Failed to load resource"))
            .collect()
    }

    /// The visible text of the first element matching the CSS selector `css`, waiting at most
    /// 5 s for one to appear.
    pub async fn text(&self, css: &str) -> String {
        let element = self.element(css).await;
        self.command(&format!("read the text of `{css}`"), element.text())
            .await
    }

    /// Waits at most `timeout` until the first element matching `css` shows text containing
    /// `needle`, and returns that text. Fails with the text it last saw (or that no element
    /// matched).
    pub async fn wait_for_text(&self, css: &str, needle: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        let mut last = format!("no element matched `{css}`");
        loop {
            let found = self.find_all(css).await;
            if let Some(element) = found.first() {
                // The element may be replaced between finding and reading it: try again then.
                match bounded(&format!("read the text of `{css}`"), element.text()).await {
                    Ok(text) if text.contains(needle) => return text,
                    Ok(text) => last = format!("`{css}` showed {text:?}"),
                    Err(error) => last = format!("reading the text of `{css}` failed: {error}"),
                }
            }
            if Instant::now() >= deadline {
                panic!("no text containing {needle:?} in `{css}` within {timeout:?}; last: {last}");
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Clicks the first element matching `css`, waiting at most 5 s for one to appear.
    pub async fn click(&self, css: &str) {
        let element = self.element(css).await;
        self.command(&format!("click `{css}`"), element.click())
            .await;
    }

    /// Replaces the value of the first input matching `css` with `value` (typed as keystrokes),
    /// waiting at most 5 s for one to appear.
    pub async fn fill(&self, css: &str, value: &str) {
        let element = self.element(css).await;
        self.command(&format!("clear `{css}`"), element.clear())
            .await;
        self.command(&format!("type into `{css}`"), element.send_keys(value))
            .await;
    }

    /// Saves a PNG of the window as `<workspace>/target/screenshots/<name>.png` and returns its
    /// path.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self
            .command("take a screenshot", self.client.screenshot())
            .await;
        let directory = workspace_root().join("target").join("screenshots");
        std::fs::create_dir_all(&directory)
            .unwrap_or_else(|error| panic!("could not create {}: {error}", directory.display()));
        let path = directory.join(format!("{name}.png"));
        std::fs::write(&path, png)
            .unwrap_or_else(|error| panic!("could not write {}: {error}", path.display()));
        path
    }

    /// Ends the WebDriver session (closing Chromium), then stops chromedriver.
    pub async fn close(self) {
        let Browser { client, driver } = self;
        // Whatever happens here, dropping `driver` kills what is left.
        let _ = bounded("close the browser", client.close()).await;
        drop(driver);
    }

    /// The elements matching `css` now.
    async fn find_all(&self, css: &str) -> Vec<fantoccini::elements::Element> {
        self.command(
            &format!("find `{css}`"),
            self.client.find_all(Locator::Css(css)),
        )
        .await
    }

    /// The first element matching `css`, polling at most 5 s for one to appear.
    async fn element(&self, css: &str) -> fantoccini::elements::Element {
        let deadline = Instant::now() + ELEMENT;
        loop {
            let found = self.find_all(css).await;
            if let Some(element) = found.into_iter().next() {
                return element;
            }
            if Instant::now() >= deadline {
                let url = bounded("read the URL", self.client.current_url())
                    .await
                    .map(|url| url.to_string())
                    .unwrap_or_else(|error| format!("(unknown: {error})"));
                panic!("no element matches `{css}` on {url} within {ELEMENT:?}");
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Runs a WebDriver command, at most 30 s, panicking with `what` when it fails.
    async fn command<T, E: std::fmt::Display>(
        &self,
        what: &str,
        command: impl Future<Output = Result<T, E>>,
    ) -> T {
        bounded(what, command)
            .await
            .unwrap_or_else(|error| panic!("could not {what}: {error}"))
    }

    /// The browser log entries, read from chromedriver's endpoint `session/{id}/{path}`.
    async fn log(&self, path: &'static str) -> Result<Value, String> {
        bounded(
            &format!("read the browser log from {path}"),
            self.client.issue_cmd(BrowserLog { path }),
        )
        .await
    }
}

impl std::fmt::Debug for Browser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Browser")
            .field("chromedriver_pid", &self.driver.child.id())
            .finish_non_exhaustive()
    }
}

/// `command`, given at most 30 s; its error or the timeout as text.
async fn bounded<T, E: std::fmt::Display>(
    what: &str,
    command: impl Future<Output = Result<T, E>>,
) -> Result<T, String> {
    match tokio::time::timeout(COMMAND, command).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(error.to_string()),
        Err(_) => Err(format!(
            "{what}: no answer from chromedriver within {COMMAND:?}"
        )),
    }
}

/// Polls chromedriver's `/status` until it says it is ready, at most 10 s.
async fn await_driver(driver: &mut Driver, address: &str) {
    let deadline = Instant::now() + DRIVER_START;
    let mut last = "no answer".to_owned();
    while Instant::now() < deadline {
        if let Ok(Some(status)) = driver.child.try_wait() {
            panic!("chromedriver exited before answering on {address}: {status}");
        }
        if let Some((code, body)) = crate::http_get(address, "/status").await {
            if code == 200 && body.contains("\"ready\":true") {
                return;
            }
            last = format!("HTTP {code}: {body}");
        }
        tokio::time::sleep(POLL).await;
    }
    panic!("chromedriver did not answer on {address} within {DRIVER_START:?} (last: {last})");
}

/// The workspace's root directory (the parent of this crate's).
fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}

/// Chromedriver's legacy command that returns (and empties) the browser's console log.
#[derive(Debug)]
struct BrowserLog {
    /// `se/log`, or the older `log`.
    path: &'static str,
}

impl WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        let session = session_id.unwrap_or_default();
        base_url.join(&format!("session/{session}/{}", self.path))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        (
            http::Method::POST,
            Some(json!({"type": "browser"}).to_string()),
        )
    }
}
