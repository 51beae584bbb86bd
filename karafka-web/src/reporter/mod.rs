//! The reporter: a [`Plugin`] that writes this process's [`Report`](crate::report::Report) to
//! the reports topic every `web.report_interval`, its errors to the errors topic as they happen,
//! carries out the commands addressed to it, and serves the UI in the server when asked to.

mod process;
mod snapshot;
mod tracker;

use std::sync::{Arc, Mutex, PoisonError};

use karafka::admin::Admin;
use karafka::config::Config;
use karafka::instrumentation::Listener;
use karafka::plugin::{Plugin, ServerHandle};
use karafka::{BoxError, Producer, Record};
use serde::Serialize;
use tokio::net::TcpListener;
use tokio::sync::mpsc;

use crate::commands::CommandHandler;
use crate::report::{ErrorReport, ProcessState};
use process::Identity;
use snapshot::Reporting;
use tracker::Tracker;

/// The web UI's side of a server process: add it with
/// [`AppBuilder::plugin`](karafka::AppBuilder::plugin). With `web.enabled` it reports and takes
/// commands; with `web.serve_in_server` it serves the UI too; with neither it does nothing.
///
/// ```
/// let builder = karafka::App::builder().plugin(karafka_web::Web::new());
/// # let _ = builder;
/// ```
pub struct Web {
    identity: Identity,
    tracker: Arc<Tracker>,
    errors: Mutex<Option<mpsc::Receiver<ErrorReport>>>,
    /// The UI's socket, bound before the consumers start when `serve_in_server`.
    listener: Mutex<Option<TcpListener>>,
}

impl Default for Web {
    fn default() -> Self {
        Self::new()
    }
}

impl Web {
    /// The reporter of this process.
    pub fn new() -> Self {
        let identity = Identity::current();
        let (tracker, errors) = Tracker::new(identity.id.clone());
        Self {
            identity,
            tracker: Arc::new(tracker),
            errors: Mutex::new(Some(errors)),
            listener: Mutex::new(None),
        }
    }

    /// The id this process reports under ([`ProcessInfo::id`](crate::report::ProcessInfo::id)).
    pub fn process_id(&self) -> &str {
        &self.identity.id
    }
}

#[async_trait::async_trait]
impl Plugin for Web {
    fn listener(&self) -> Option<Arc<dyn Listener>> {
        Some(Arc::clone(&self.tracker) as Arc<dyn Listener>)
    }

    async fn prepare(&self, config: &Config) -> Result<(), BoxError> {
        if config.web.serve_in_server {
            let listener = crate::ui::bind(&config.web).await?;
            *self.listener.lock().unwrap_or_else(PoisonError::into_inner) = Some(listener);
        }
        Ok(())
    }

    async fn run(&self, server: ServerHandle) {
        // Bound by `prepare` when `serve_in_server`.
        let listener = self
            .listener
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        let ui = listener.map(|listener| serve(&server, listener));
        // Taken once: a plugin runs once per server.
        let errors = self
            .errors
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        match errors.filter(|_| server.config().web.enabled) {
            Some(errors) => {
                self.tracker.start_reporting();
                self.report(&server, errors).await;
            }
            // The receiver is dropped: the tracker's error reports are dropped at once.
            None => server.stopping().await,
        }
        if let Some(ui) = ui {
            match ui.await {
                Ok(Ok(())) => {}
                Ok(Err(error)) => tracing::error!("Web: the UI stopped: {error}"),
                Err(error) => tracing::error!(%error, "Web: the UI panicked"),
            }
        }
    }
}

/// Serves the UI on `listener` inside the server process until the server stops.
fn serve(
    server: &ServerHandle,
    listener: TcpListener,
) -> tokio::task::JoinHandle<Result<(), crate::WebError>> {
    let ui = crate::Ui::from_parts(
        server.config(),
        server.routes().to_vec(),
        server.producer().clone(),
    );
    let stopping = server.clone();
    tokio::spawn(async move {
        ui?.serve_on(listener, async move { stopping.stopping().await })
            .await
    })
}

impl Web {
    /// Reports until the server stops, then its last reports and errors.
    async fn report(&self, server: &ServerHandle, mut errors: mpsc::Receiver<ErrorReport>) {
        let web = &server.config().web;
        let producer = server.producer();
        let commands = match Admin::new(server.config()) {
            Ok(admin) => CommandHandler::start(
                &admin,
                server.control().clone(),
                producer.clone(),
                &web.commands_topic,
                self.identity.id.clone(),
            )
            .await
            .map_err(|error| error.to_string()),
            Err(error) => Err(error.to_string()),
        };
        let commands = match commands {
            Ok(commands) => Some(commands),
            Err(error) => {
                tracing::error!(
                    "Web: not taking commands from {} ({error}); `topics migrate` or `web \
                     install` creates the web topics",
                    web.commands_topic
                );
                None
            }
        };
        let reporting = Reporting {
            identity: &self.identity,
            concurrency: server.config().concurrency,
            report_interval_ms: u64::try_from(web.report_interval.as_millis()).unwrap_or(u64::MAX),
        };
        tracing::info!(
            "Web: reporting as {} to {} every {} ms",
            self.identity.id,
            web.reports_topic,
            reporting.report_interval_ms
        );
        let mut ticks = tokio::time::interval(web.report_interval);
        loop {
            tokio::select! {
                biased;
                () = server.stopping() => break,
                Some(error) = errors.recv() => {
                    write(producer, &web.errors_topic, &error.process_id, &error).await;
                }
                _ = ticks.tick() => {
                    let status = server.control().status();
                    let state = if status.quiet { ProcessState::Quiet } else { ProcessState::Running };
                    let report = reporting.report(&status, &self.tracker, state);
                    write(producer, &web.reports_topic, &self.identity.id, &report).await;
                }
            }
        }
        let report = reporting.report(
            &server.control().status(),
            &self.tracker,
            ProcessState::Stopping,
        );
        write(producer, &web.reports_topic, &self.identity.id, &report).await;
        if let Some(commands) = commands {
            commands.stop().await;
        }
        server.closed().await;
        errors.close();
        while let Some(error) = errors.recv().await {
            write(producer, &web.errors_topic, &error.process_id, &error).await;
        }
        let report = reporting.report(
            &server.control().status(),
            &self.tracker,
            ProcessState::Stopped,
        );
        write(producer, &web.reports_topic, &self.identity.id, &report).await;
    }
}

/// Writes `record` as JSON keyed by `key` and waits for the acknowledgement; a failure is
/// logged, as the next report replaces this one.
async fn write(producer: &Producer, topic: &str, key: &str, record: &impl Serialize) {
    let payload = match serde_json::to_vec(record) {
        Ok(payload) => payload,
        Err(error) => {
            tracing::error!(%error, "Web: a report could not be encoded");
            return;
        }
    };
    if let Err(error) = producer
        .produce_sync(Record::new(topic, payload).key(key.as_bytes().to_vec()))
        .await
    {
        tracing::error!(%error, "Web: a report was not written to {topic}");
    }
}
