//! The HTTP application: routes, shared state, and the middleware every request passes through.

use std::any::Any;
use std::sync::Arc;
use std::time::Duration;

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Router, middleware};
use opentelemetry_sdk::trace::SdkTracer;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::cors::CorsLayer;
use tower_http::timeout::TimeoutLayer;

use crate::metrics::Metrics;
use crate::middleware::observe::{Observer, observe};
use crate::middleware::request_id;
use crate::problem::{self, Problem};
use crate::readiness::Readiness;
use crate::routes;

/// How long a request may take before it is answered with 503.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// What every handler shares. Cheap to clone: each field is a handle.
#[derive(Clone)]
pub struct AppState {
    /// The dependency probes behind `/readyz`.
    pub readiness: Arc<Readiness>,
    /// The metrics behind `/metrics`.
    pub metrics: Metrics,
}

/// How the HTTP layers behave.
#[derive(Debug, Clone)]
pub struct HttpOptions {
    /// Origins allowed cross-origin; empty means no CORS headers at all.
    pub allowed_origins: Vec<HeaderValue>,
    /// See [`REQUEST_TIMEOUT`].
    pub request_timeout: Duration,
    /// Where the requests' server spans go; `None` when tracing is off.
    pub tracer: Option<SdkTracer>,
}

impl Default for HttpOptions {
    fn default() -> Self {
        Self {
            allowed_origins: Vec::new(),
            request_timeout: REQUEST_TIMEOUT,
            tracer: None,
        }
    }
}

/// The whole application, ready to serve.
pub fn router(state: AppState, options: &HttpOptions) -> Router {
    // Router::layer wraps like an onion: the last layer added runs first.
    let mut router = routes::router()
        .layer(CatchPanicLayer::custom(|panic: Box<dyn Any + Send>| {
            on_panic(panic.as_ref())
        }))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            options.request_timeout,
        ));
    if !options.allowed_origins.is_empty() {
        router = router.layer(CorsLayer::new().allow_origin(options.allowed_origins.clone()));
    }
    router
        .layer(middleware::from_fn(problem::render))
        .layer(middleware::from_fn_with_state(
            Observer {
                metrics: state.metrics.clone(),
                tracer: options.tracer.clone(),
            },
            observe,
        ))
        .layer(request_id::propagate())
        .layer(request_id::set())
        .layer(middleware::map_request(request_id::drop_invalid))
        .layer(CompressionLayer::new())
        .with_state(state)
}

fn on_panic(panic: &(dyn Any + Send)) -> Response {
    let message = panic
        .downcast_ref::<&str>()
        .map(ToString::to_string)
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    tracing::error!(panic = %message, "handler panicked");
    Problem::internal().into_response()
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::extract::Request;
    use axum::http::header::{
        ACCEPT_ENCODING, ACCESS_CONTROL_ALLOW_ORIGIN, CONTENT_ENCODING, CONTENT_TYPE, ORIGIN,
    };
    use http_body_util::BodyExt;
    use opentelemetry::trace::TracerProvider as _;
    use opentelemetry_sdk::trace::SdkTracerProvider;
    use serde_json::Value;
    use tower::ServiceExt;

    use super::*;
    use crate::readiness::{Probe, ProbeFuture};
    use crate::telemetry::capture::Captured;

    /// A dependency that never answers.
    struct Silent;

    impl Probe for Silent {
        fn name(&self) -> &'static str {
            "database"
        }

        fn check(&self) -> ProbeFuture<'_> {
            Box::pin(std::future::pending())
        }
    }

    fn state(probes: Vec<Arc<dyn Probe>>) -> AppState {
        AppState {
            readiness: Arc::new(Readiness::with_timeout(probes, Duration::from_secs(30))),
            metrics: Metrics::new().unwrap(),
        }
    }

    async fn send(router: &Router, request: Request) -> (Response, Vec<u8>) {
        let response = router.clone().oneshot(request).await.unwrap();
        let (parts, body) = response.into_parts();
        let bytes = body.collect().await.unwrap().to_bytes().to_vec();
        (Response::from_parts(parts, Body::empty()), bytes)
    }

    async fn get(router: &Router, uri: &str) -> (Response, Vec<u8>) {
        send(router, Request::get(uri).body(Body::empty()).unwrap()).await
    }

    fn json(bytes: &[u8]) -> Value {
        serde_json::from_slice(bytes).unwrap()
    }

    fn app() -> Router {
        router(state(Vec::new()), &HttpOptions::default())
    }

    #[tokio::test]
    async fn healthz_is_ok_and_readyz_ready_without_dependencies() {
        let app = app();
        let (response, body) = get(&app, "/healthz").await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(json(&body), serde_json::json!({"status": "ok"}));
        let (response, body) = get(&app, "/readyz").await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            json(&body),
            serde_json::json!({"status": "ready", "checks": {}})
        );
    }

    #[tokio::test]
    async fn an_unknown_route_is_a_problem_carrying_the_request_id() {
        let request = Request::get("/api/v1/nothing-here")
            .header("x-request-id", "test-42")
            .body(Body::empty())
            .unwrap();
        let (response, body) = send(&app(), request).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        assert_eq!(response.headers()["x-request-id"], "test-42");
        assert_eq!(response.headers()[CONTENT_TYPE], problem::PROBLEM_JSON);
        let problem = json(&body);
        assert_eq!(problem["type"], "urn:problem-type:not-found");
        assert_eq!(problem["instance"], "/api/v1/nothing-here");
        assert_eq!(problem["request_id"], "test-42");
    }

    #[tokio::test]
    async fn a_missing_or_invalid_request_id_is_replaced_by_a_uuid() {
        let app = app();
        let too_long = Request::get("/healthz")
            .header("x-request-id", "x".repeat(129))
            .body(Body::empty())
            .unwrap();
        for request in [
            Request::get("/healthz").body(Body::empty()).unwrap(),
            too_long,
        ] {
            let (response, _) = send(&app, request).await;
            let id = response.headers()["x-request-id"].to_str().unwrap();
            assert_eq!(id.len(), 36, "{id} is not a UUID");
            assert_eq!(id.matches('-').count(), 4, "{id} is not a UUID");
        }
    }

    #[tokio::test]
    async fn metrics_label_route_templates_and_skip_the_operations_endpoints() {
        let app = app();
        get(&app, "/healthz").await;
        get(&app, "/no-such-route/123").await;
        let (response, body) = get(&app, "/metrics").await;
        assert!(
            response.headers()[CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/plain")
        );
        let text = String::from_utf8(body).unwrap();
        let counts: Vec<&str> = text
            .lines()
            .filter(|line| line.starts_with("http_server_request_duration_seconds_count"))
            .collect();
        assert_eq!(counts.len(), 1, "{text}");
        assert!(counts[0].contains(r#"http_route="""#));
        assert!(counts[0].contains(r#"http_response_status_code="404""#));
    }

    #[tokio::test]
    async fn the_openapi_document_lists_the_operations_endpoints() {
        let (response, body) = get(&app(), "/openapi.json").await;
        assert_eq!(response.status(), StatusCode::OK);
        let document = json(&body);
        assert_eq!(document["openapi"], "3.1.0");
        let paths: Vec<&String> = document["paths"].as_object().unwrap().keys().collect();
        assert_eq!(paths, OPERATIONS_IN_ORDER);
    }

    const OPERATIONS_IN_ORDER: [&str; 4] = ["/healthz", "/metrics", "/openapi.json", "/readyz"];

    #[tokio::test]
    async fn log_lines_of_a_traced_request_carry_its_trace_and_span_ids() {
        let provider = SdkTracerProvider::builder().build();
        let traced = HttpOptions {
            tracer: Some(provider.tracer("test")),
            ..HttpOptions::default()
        };
        let logs = Captured::default();
        let _logging = tracing::subscriber::set_default(logs.subscriber());
        let request = Request::get("/api/v1/nothing-here")
            .header("traceparent", format!("00-{TRACE_ID}-00f067aa0ba902b7-01"))
            .body(Body::empty())
            .unwrap();
        send(&router(state(Vec::new()), &traced), request).await;
        let lines = logs.lines();
        assert!(!lines.is_empty());
        for line in lines {
            assert_eq!(line["trace_id"], TRACE_ID, "{line}");
            let span_id = line["span_id"].as_str().unwrap();
            assert_eq!(span_id.len(), 16, "{line}");
            assert_ne!(
                span_id, "00f067aa0ba902b7",
                "the server span is the caller's child"
            );
        }
    }

    #[tokio::test]
    async fn without_a_tracer_log_lines_carry_no_trace() {
        let logs = Captured::default();
        let _logging = tracing::subscriber::set_default(logs.subscriber());
        let request = Request::get("/api/v1/nothing-here")
            .header("traceparent", format!("00-{TRACE_ID}-00f067aa0ba902b7-01"))
            .body(Body::empty())
            .unwrap();
        send(&app(), request).await;
        let lines = logs.lines();
        assert!(!lines.is_empty());
        assert!(lines.iter().all(|line| line.get("trace_id").is_none()));
    }

    const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";

    #[tokio::test]
    async fn a_request_over_its_time_answers_503_unavailable() {
        let options = HttpOptions {
            request_timeout: Duration::from_millis(20),
            ..HttpOptions::default()
        };
        let app = router(state(vec![Arc::new(Silent)]), &options);
        let (response, body) = get(&app, "/readyz").await;
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(json(&body)["type"], "urn:problem-type:unavailable");
    }

    #[tokio::test]
    async fn cors_answers_only_the_configured_origins() {
        let options = HttpOptions {
            allowed_origins: vec![HeaderValue::from_static("https://app.example.com")],
            ..HttpOptions::default()
        };
        let cors = router(state(Vec::new()), &options);
        for (origin, allowed) in [
            ("https://app.example.com", true),
            ("https://evil.example", false),
        ] {
            let request = Request::get("/healthz")
                .header(ORIGIN, origin)
                .body(Body::empty())
                .unwrap();
            let (response, _) = send(&cors, request).await;
            let header = response.headers().get(ACCESS_CONTROL_ALLOW_ORIGIN);
            assert_eq!(header.is_some(), allowed, "{origin}");
        }
        let (response, _) = get(&app(), "/healthz").await;
        assert!(!response.headers().contains_key(ACCESS_CONTROL_ALLOW_ORIGIN));
    }

    #[tokio::test]
    async fn responses_are_compressed_when_the_client_accepts_gzip() {
        let request = Request::get("/openapi.json")
            .header(ACCEPT_ENCODING, "gzip")
            .body(Body::empty())
            .unwrap();
        let (response, _) = send(&app(), request).await;
        assert_eq!(response.headers()[CONTENT_ENCODING], "gzip");
    }

    #[tokio::test]
    async fn a_panicking_handler_becomes_an_internal_problem() {
        async fn explode() -> &'static str {
            panic!("boom")
        }
        let routes = Router::new()
            .route("/panic", axum::routing::get(explode))
            .layer(CatchPanicLayer::custom(|panic: Box<dyn Any + Send>| {
                on_panic(panic.as_ref())
            }))
            .layer(middleware::from_fn(problem::render));
        let (response, body) = get(&routes, "/panic").await;
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let problem = json(&body);
        assert_eq!(problem["type"], "urn:problem-type:internal");
        assert!(!String::from_utf8_lossy(&body).contains("boom"));
    }
}
