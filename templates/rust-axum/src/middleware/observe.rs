//! One span per request, carrying its id, method and route; after the response, an access log
//! line and an observation in the request-duration histogram. The operations endpoints run in a
//! span too, but are neither logged, counted nor traced: probes every few seconds are noise.
//!
//! With a tracer, every other request also gets an OpenTelemetry `SERVER` span continuing the
//! caller's trace, and its `trace_id` and `span_id` join the fields of every log line inside it.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use opentelemetry::KeyValue;
use opentelemetry::trace::{Span as _, SpanKind, Status, Tracer as _};
use opentelemetry_sdk::trace::{SdkTracer, Span};
use tracing::Instrument;
use tracing::field::Empty;

use crate::metrics::Metrics;
use crate::middleware::request_id;
use crate::otel;
use crate::routes::OPERATIONS;

/// What [`observe`] records into.
#[derive(Clone)]
pub struct Observer {
    /// The request-duration histogram's home.
    pub metrics: Metrics,
    /// Where server spans go; `None` when tracing is off.
    pub tracer: Option<SdkTracer>,
}

/// Middleware: traces, logs and measures the request.
pub async fn observe(State(observer): State<Observer>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    // The route template, never the raw path; empty when no route matched.
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|path| path.as_str().to_owned())
        .unwrap_or_default();
    let span = tracing::info_span!(
        "request",
        request_id = request_id::of(&request).unwrap_or_default(),
        method = %method,
        route = %route,
        trace_id = Empty,
        span_id = Empty,
    );
    if OPERATIONS.contains(&route.as_str()) {
        return next.run(request).instrument(span).await;
    }
    let mut server_span = observer
        .tracer
        .as_ref()
        .map(|tracer| start_server_span(tracer, &request, &route));
    if let Some(server_span) = &server_span {
        let context = server_span.span_context();
        span.record("trace_id", context.trace_id().to_string());
        span.record("span_id", context.span_id().to_string());
    }
    let response = next.run(request).instrument(span.clone()).await;
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    observer
        .metrics
        .observe_request(method.as_str(), &route, status, elapsed);
    span.in_scope(|| {
        tracing::info!(
            status,
            duration_ms = elapsed.as_secs_f64() * 1000.0,
            "request"
        );
    });
    if let Some(server_span) = &mut server_span {
        server_span.set_attribute(KeyValue::new(
            "http.response.status_code",
            i64::from(status),
        ));
        if status >= 500 {
            server_span.set_status(Status::error(""));
        }
        server_span.end();
    }
    response
}

/// A `SERVER` span named after the method and route, child of the caller's `traceparent`.
fn start_server_span(tracer: &SdkTracer, request: &Request, route: &str) -> Span {
    let method = request.method().as_str().to_owned();
    let name = if route.is_empty() {
        method.clone()
    } else {
        format!("{method} {route}")
    };
    let mut attributes = vec![
        KeyValue::new("http.request.method", method),
        KeyValue::new("url.path", request.uri().path().to_owned()),
    ];
    if !route.is_empty() {
        attributes.push(KeyValue::new("http.route", route.to_owned()));
    }
    tracer
        .span_builder(name)
        .with_kind(SpanKind::Server)
        .with_attributes(attributes)
        .start_with_context(tracer, &otel::caller_context(request.headers()))
}
