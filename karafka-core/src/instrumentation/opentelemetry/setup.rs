//! Installing the export: the logging subscriber of [`init_logging`](crate::instrumentation::init_logging)
//! with a `tracing-opentelemetry` layer beside its output.

use opentelemetry::trace::TracerProvider as _;
use opentelemetry::InstrumentationScope;
use opentelemetry_sdk::trace::SdkTracerProvider;
use opentelemetry_sdk::Resource;
use tracing::{Level, Metadata};
use tracing_subscriber::filter::filter_fn;
use tracing_subscriber::Layer as _;

use super::exporter::OtlpExporter;
use super::SetupError;
use crate::instrumentation::subscriber;

/// Installs the logging subscriber of [`init_logging`](crate::instrumentation::init_logging)
/// (with `"info"` as the default filter) and exports spans over OTLP/HTTP in protobuf, as
/// `service_name`, to where the `OTEL_EXPORTER_OTLP_ENDPOINT` or
/// `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` variables say (by default
/// `http://localhost:4318/v1/traces`). Call it before [`cli::run`](crate::cli::run) and keep the
/// guard until the app ends: dropping it flushes the spans not exported yet.
///
/// ```no_run
/// # fn app() -> anyhow::Result<karafka::App> { unimplemented!() }
/// fn main() -> std::process::ExitCode {
///     let _tracing = match karafka::instrumentation::opentelemetry::init_opentelemetry("orders") {
///         Ok(guard) => guard,
///         Err(error) => {
///             eprintln!("error: {error}");
///             return std::process::ExitCode::FAILURE;
///         }
///     };
///     karafka::run!(app)
/// }
/// ```
///
/// # Errors
/// [`SetupError::Exporter`] for an invalid endpoint, [`SetupError::Runtime`] when the exporter's
/// runtime cannot start, [`SetupError::SubscriberInstalled`] when a subscriber is installed
/// already.
pub fn init_opentelemetry(service_name: impl Into<String>) -> Result<Guard, SetupError> {
    let resource = Resource::builder()
        .with_service_name(service_name.into())
        .build();
    let provider = SdkTracerProvider::builder()
        .with_batch_exporter(OtlpExporter::new(None)?)
        .with_resource(resource)
        .build();
    init_opentelemetry_with(provider)
}

/// Like [`init_opentelemetry`], with spans going to `provider` (an exporter, sampler or resource
/// of the app's choosing). The provider also becomes OpenTelemetry's global one.
///
/// # Errors
/// [`SetupError::SubscriberInstalled`] when a subscriber is installed already; `provider` is then
/// shut down.
pub fn init_opentelemetry_with(provider: SdkTracerProvider) -> Result<Guard, SetupError> {
    let scope = InstrumentationScope::builder("karafka")
        .with_version(env!("CARGO_PKG_VERSION"))
        .build();
    let traces = tracing_opentelemetry::layer()
        .with_tracer(provider.tracer_with_scope(scope))
        .with_filter(filter_fn(exported))
        .boxed();
    if !subscriber::install("info", Some(traces)) {
        // Nothing was exported through it; a failure to shut down loses nothing.
        let _ = provider.shutdown();
        return Err(SetupError::SubscriberInstalled);
    }
    opentelemetry::global::set_tracer_provider(provider.clone());
    Ok(Guard { provider })
}

/// What reaches OpenTelemetry: karafka's spans (at DEBUG, so log lines do not carry them unless
/// asked to), and everything else at INFO and above; events become events of their span.
fn exported(metadata: &Metadata<'_>) -> bool {
    let target = metadata.target();
    let karafka = target == "karafka" || target.starts_with("karafka::");
    *metadata.level() <= Level::INFO || (metadata.is_span() && karafka)
}

/// Keeps OpenTelemetry's export running; dropping it flushes the spans not exported yet and shuts
/// the export down.
#[derive(Debug)]
#[must_use = "dropping the guard shuts the export down"]
pub struct Guard {
    provider: SdkTracerProvider,
}

impl Drop for Guard {
    fn drop(&mut self) {
        if let Err(error) = self.provider.shutdown() {
            tracing::warn!(%error, "OpenTelemetry could not export its last spans");
        }
    }
}
