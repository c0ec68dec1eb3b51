//! One span per request, carrying its id, method and route; after the response, an access log
//! line and an observation in the request-duration histogram. The operations endpoints run in a
//! span too, but are neither logged nor counted: probes every few seconds are noise.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

use crate::metrics::Metrics;
use crate::middleware::request_id;
use crate::routes::OPERATIONS;

/// Middleware: traces, logs and measures the request.
pub async fn observe(State(metrics): State<Metrics>, request: Request, next: Next) -> Response {
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
    );
    let response = next.run(request).instrument(span.clone()).await;
    if !OPERATIONS.contains(&route.as_str()) {
        let elapsed = started.elapsed();
        let status = response.status().as_u16();
        metrics.observe_request(method.as_str(), &route, status, elapsed);
        span.in_scope(|| {
            tracing::info!(
                status,
                duration_ms = elapsed.as_secs_f64() * 1000.0,
                "request"
            );
        });
    }
    response
}
