//! The log output of an app process.
//!
//! The subscriber is installed before the settings are read (they may warn while loading), so it
//! starts as text and [`set_log_format`] switches it once the app knows its `log_format`.

use std::io::IsTerminal as _;
use std::sync::OnceLock;

use tracing::Level;
use tracing_subscriber::filter::filter_fn;
use tracing_subscriber::layer::{Layered, SubscriberExt as _};
use tracing_subscriber::util::SubscriberInitExt as _;
use tracing_subscriber::{fmt, reload, EnvFilter, Layer, Registry};

use crate::config::LogFormat;

/// A layer that sees spans beside the log output, with a filter of its own (the OpenTelemetry
/// exporter's).
pub(crate) type Traces = Box<dyn Layer<Registry> + Send + Sync>;

/// The subscriber under the log output: the registry and the traces layer, if any.
type Base = Layered<Option<Traces>, Registry>;

/// The layer that writes log lines, replaceable at run time.
type Output = Box<dyn Layer<Base> + Send + Sync>;

/// Set when [`init_logging`] installed the subscriber.
static OUTPUT: OnceLock<reload::Handle<Output, Base>> = OnceLock::new();

/// Installs a `tracing` subscriber that prints text to stderr, filtered by `RUST_LOG` or else by
/// `default` (such as `"info"`). Does nothing when the app installed a subscriber of its own.
pub fn init_logging(default: &str) {
    install(default, None);
}

/// Installs the subscriber of [`init_logging`] with `traces` beside the log output; `false` when
/// a subscriber was installed already. With `traces`, the log filter applies to the output only,
/// so the traces layer sees what its own filter lets through whatever `RUST_LOG` says. Without,
/// the log filter is global: tracing then skips a disabled `debug!` at its call site (about
/// 1 ns), where a per-layer filter costs each call a dispatch (about 50 ns, measured).
pub(crate) fn install(default: &str, traces: Option<Traces>) -> bool {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let (output, handle) = reload::Layer::new(output(LogFormat::Text));
    let not_double_close = filter_fn(|metadata| !is_double_close(metadata));
    let installed = match traces {
        Some(traces) => tracing_subscriber::registry()
            .with(Some(traces))
            .with(output.with_filter(filter))
            .with(not_double_close)
            .try_init(),
        None => tracing_subscriber::registry()
            .with(None::<Traces>)
            .with(output)
            .with(filter)
            .with(not_double_close)
            .try_init(),
    }
    .is_ok();
    if installed {
        // Only the call that installed the subscriber gets here, once.
        let _ = OUTPUT.set(handle);
    }
    installed
}

/// Writes the log lines installed by [`init_logging`] as `format` from now on. Does nothing when
/// the app installed a subscriber of its own.
pub fn set_log_format(format: LogFormat) {
    if let Some(handle) = OUTPUT.get() {
        // Fails only once the subscriber is gone, when nothing logs any more.
        let _ = handle.reload(output(format));
    }
}

fn output(format: LogFormat) -> Output {
    match format {
        LogFormat::Json => fmt::layer()
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(false)
            .with_writer(std::io::stderr)
            .boxed(),
        LogFormat::Text => fmt::layer()
            .with_ansi(colours())
            .with_writer(std::io::stderr)
            .boxed(),
    }
}

/// Colours only for a person at a terminal, and never when `NO_COLOR` is set (no-color.org).
fn colours() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// rust-rdkafka's consumer closes itself again when its last handle drops, and reports at ERROR
/// that it could not. That happens only after the runtime already closed it under a job that
/// outlived `shutdown_timeout` (`connection::listener`): the report is noise, so it is dropped.
fn is_double_close(metadata: &tracing::Metadata<'_>) -> bool {
    *metadata.level() == Level::ERROR && metadata.target() == "rdkafka::consumer::base_consumer"
}
