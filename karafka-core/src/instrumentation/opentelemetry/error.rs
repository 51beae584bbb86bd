//! Why OpenTelemetry could not be set up.

/// Why [`init_opentelemetry`](super::init_opentelemetry) failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SetupError {
    /// The OTLP exporter could not be built (an invalid endpoint, say).
    #[error("the OTLP span exporter could not be built: {0}")]
    Exporter(#[from] opentelemetry_otlp::ExporterBuildError),
    /// The exporter's runtime could not be started.
    #[error("the OTLP span exporter's runtime could not be started: {0}")]
    Runtime(#[source] std::io::Error),
    /// A `tracing` subscriber was installed already, so spans cannot reach OpenTelemetry through
    /// karafka's.
    #[error(
        "a tracing subscriber is installed already: set up OpenTelemetry first (before \
         `karafka::cli::run`), or add a `tracing-opentelemetry` layer to your own subscriber"
    )]
    SubscriberInstalled,
}
