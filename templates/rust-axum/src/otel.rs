//! OpenTelemetry traces, exported over OTLP (HTTP/protobuf) only when an endpoint is configured.
//!
//! Without `OTEL_EXPORTER_OTLP_ENDPOINT` there is no provider and tracing costs nothing. With it,
//! [`crate::middleware::observe`] gives each request except the operations endpoints a `SERVER`
//! span continuing the caller's W3C `traceparent`; a batch processor on the Tokio runtime sends
//! the finished spans to `<endpoint>/v1/traces`. An `https://` endpoint is verified against
//! `OTEL_EXPORTER_OTLP_CERTIFICATE`, or the system's roots without it.

use std::time::Duration;

use axum::http::HeaderMap;
use opentelemetry::Context;
use opentelemetry::propagation::TextMapPropagator;
use opentelemetry_http::HeaderExtractor;
use opentelemetry_http::hyper::HyperClient;
use opentelemetry_otlp::{
    ExporterBuildError, Protocol, SpanExporter, WithExportConfig, WithHttpConfig,
};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::runtime::Tokio;
use opentelemetry_sdk::trace::SdkTracerProvider;
use opentelemetry_sdk::trace::span_processor_with_async_runtime::BatchSpanProcessor;

use crate::config::Config;
use crate::tls::{self, CaBundle};

/// How long one export may take, the OpenTelemetry SDKs' default.
const EXPORT_TIMEOUT: Duration = Duration::from_secs(10);

/// The instrumentation scope the server spans are created in.
pub const SCOPE: &str = env!("CARGO_PKG_NAME");

/// The provider `config` asks for: none without `OTEL_EXPORTER_OTLP_ENDPOINT`. Must be called
/// inside the Tokio runtime.
///
/// # Errors
///
/// Returns why the exporter could not be built (an endpoint that is not a URI).
pub fn configured(config: &Config) -> Result<Option<SdkTracerProvider>, ExporterBuildError> {
    config
        .otlp_endpoint
        .as_deref()
        .map(|endpoint| {
            provider(
                endpoint,
                &config.service_name,
                config.otlp_certificate.as_ref(),
            )
        })
        .transpose()
}

/// A provider exporting in batches to `endpoint/v1/traces`, its spans naming `service_name`; an
/// `https://` endpoint must present a certificate `ca` (else the system's roots) signed for its
/// host. Must be called inside the Tokio runtime, which runs the batch processor.
///
/// # Errors
///
/// Returns why the exporter could not be built (an endpoint that is not a URI).
pub fn provider(
    endpoint: &str,
    service_name: &str,
    ca: Option<&CaBundle>,
) -> Result<SdkTracerProvider, ExporterBuildError> {
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls::client_config(ca))
        .https_or_http()
        .enable_http1()
        .build();
    let exporter = SpanExporter::builder()
        .with_http()
        .with_http_client(HyperClient::new(connector, EXPORT_TIMEOUT, None))
        .with_protocol(Protocol::HttpBinary)
        .with_endpoint(format!("{}/v1/traces", endpoint.trim_end_matches('/')))
        .build()?;
    let resource = Resource::builder()
        .with_service_name(service_name.to_owned())
        .with_attribute(opentelemetry::KeyValue::new(
            "service.version",
            env!("CARGO_PKG_VERSION"),
        ))
        .build();
    Ok(SdkTracerProvider::builder()
        .with_resource(resource)
        .with_span_processor(BatchSpanProcessor::builder(exporter, Tokio).build())
        .build())
}

/// Exports the spans still queued and stops the batch processor.
pub async fn shutdown(provider: SdkTracerProvider) {
    // Shutting down waits on the processor's task, so it must not block a runtime worker.
    match tokio::task::spawn_blocking(move || provider.shutdown()).await {
        Ok(Ok(())) => {}
        Ok(Err(error)) => tracing::warn!(%error, "cannot flush the remaining spans"),
        Err(error) => tracing::warn!(%error, "cannot flush the remaining spans"),
    }
}

/// The caller's trace context from its W3C `traceparent` header; empty without one.
#[must_use]
pub fn caller_context(headers: &HeaderMap) -> Context {
    TraceContextPropagator::new().extract(&HeaderExtractor(headers))
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;
    use opentelemetry::trace::TraceContextExt;

    use super::*;

    #[test]
    fn continues_the_callers_traceparent() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "traceparent",
            HeaderValue::from_static("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
        );
        let context = caller_context(&headers);
        let parent = context.span().span_context().clone();
        assert!(parent.is_remote());
        assert_eq!(
            parent.trace_id().to_string(),
            "4bf92f3577b34da6a3ce929d0e0e4736"
        );
        assert_eq!(parent.span_id().to_string(), "00f067aa0ba902b7");
    }

    #[test]
    fn starts_a_new_trace_without_a_traceparent() {
        let context = caller_context(&HeaderMap::new());
        assert!(!context.span().span_context().is_valid());
    }
}
