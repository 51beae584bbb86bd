//! The OTLP exporter, with a Tokio runtime of its own for its HTTP client.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use opentelemetry_otlp::WithExportConfig as _;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SpanData, SpanExporter};
use opentelemetry_sdk::Resource;
use tokio::runtime::{Handle, Runtime};

use super::SetupError;

/// Spans over OTLP/HTTP in protobuf, to `endpoint` or else where the `OTEL_EXPORTER_OTLP_*`
/// variables say (by default `http://localhost:4318/v1/traces`).
///
/// The SDK's batch processor exports from a thread of its own, and the HTTP client (hyper) needs
/// a Tokio runtime. The app's runtime does not exist yet when tracing is set up (`cli::run`
/// builds it later) and is gone before the last spans are flushed, so the exporter owns a small
/// one and polls every export inside it.
#[derive(Debug)]
pub(super) struct OtlpExporter {
    inner: opentelemetry_otlp::SpanExporter,
    runtime: Runtime,
}

impl OtlpExporter {
    pub(super) fn new(endpoint: Option<String>) -> Result<Self, SetupError> {
        let mut builder = opentelemetry_otlp::SpanExporter::builder().with_http();
        if let Some(endpoint) = endpoint {
            builder = builder.with_endpoint(endpoint);
        }
        let inner = builder.build()?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("karafka-otlp")
            .enable_all()
            .build()
            .map_err(SetupError::Runtime)?;
        Ok(Self { inner, runtime })
    }
}

impl SpanExporter for OtlpExporter {
    fn export(&self, batch: Vec<SpanData>) -> impl Future<Output = OTelSdkResult> + Send {
        InRuntime {
            handle: self.runtime.handle().clone(),
            future: Box::pin(self.inner.export(batch)),
        }
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.inner.force_flush()
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.inner.set_resource(resource);
    }
}

/// A future polled inside a Tokio runtime's context, whichever executor polls it.
struct InRuntime<F> {
    handle: Handle,
    future: Pin<Box<F>>,
}

impl<F: Future> Future for InRuntime<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // Both fields are `Unpin`.
        let this = self.get_mut();
        let _entered = this.handle.enter();
        this.future.as_mut().poll(cx)
    }
}

#[cfg(test)]
mod tests {
    use std::io::{BufRead as _, BufReader, Read as _, Write as _};
    use std::net::{TcpListener, TcpStream};
    use std::time::Instant;

    use opentelemetry::trace::{Tracer as _, TracerProvider as _};
    use opentelemetry_sdk::trace::SdkTracerProvider;

    use super::*;

    const WAIT: Duration = Duration::from_secs(10);

    /// Accepts one connection on `listener` within [`WAIT`].
    fn accept(listener: &TcpListener) -> TcpStream {
        let started = Instant::now();
        loop {
            match listener.accept() {
                Ok((stream, _)) => return stream,
                Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => {
                    assert!(started.elapsed() < WAIT, "no export arrived in {WAIT:?}");
                    std::thread::sleep(Duration::from_millis(10));
                }
                Err(error) => panic!("accepting the export failed: {error}"),
            }
        }
    }

    /// A collector that takes one request and answers 200: the request's head and body length.
    fn collect_one(listener: TcpListener) -> (String, usize) {
        let mut stream = accept(&listener);
        stream.set_nonblocking(false).expect("blocking stream");
        stream.set_read_timeout(Some(WAIT)).expect("read timeout");
        let mut reader = BufReader::new(stream.try_clone().expect("stream clone"));
        let mut head = String::new();
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).expect("request head");
            if line == "\r\n" || line.is_empty() {
                break;
            }
            head.push_str(&line);
        }
        let length = head
            .lines()
            .find_map(|line| {
                let (name, value) = line.split_once(':')?;
                name.eq_ignore_ascii_case("content-length")
                    .then(|| value.trim().parse::<usize>().ok())?
            })
            .expect("a content-length");
        let mut body = vec![0; length];
        reader.read_exact(&mut body).expect("request body");
        stream
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
            .expect("response");
        (head, length)
    }

    #[test]
    fn spans_reach_an_otlp_collector_over_http_from_outside_any_runtime() {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a local port");
        listener.set_nonblocking(true).expect("non-blocking accept");
        let endpoint = format!(
            "http://{}/v1/traces",
            listener.local_addr().expect("address")
        );
        let collector = std::thread::spawn(move || collect_one(listener));

        let exporter = OtlpExporter::new(Some(endpoint)).expect("exporter");
        let provider = SdkTracerProvider::builder()
            .with_batch_exporter(exporter)
            .build();
        provider.tracer("test").in_span("work", |_| {});
        let flushed = provider.force_flush();

        let (head, length) = collector.join().expect("collector");
        assert!(flushed.is_ok(), "{flushed:?}");
        assert!(head.starts_with("POST /v1/traces HTTP/1.1"), "{head}");
        assert!(
            head.to_ascii_lowercase()
                .contains("content-type: application/x-protobuf"),
            "{head}"
        );
        assert!(length > 0, "the spans are in the body");
        assert!(provider.shutdown().is_ok());
    }
}
