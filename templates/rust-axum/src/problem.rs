//! RFC 9457 problem details: the one shape of every error response.
//!
//! Handlers return a [`Problem`] (or an error that converts into one); the [`render`] middleware
//! completes it with the request's path and id, and turns the bare error statuses that routing
//! and tower layers produce (404, 405, timeouts) into problems too.

use axum::body::{Body, HttpBody};
use axum::extract::Request;
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::middleware::request_id;

/// The media type of problem responses.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An error response body, as RFC 9457 and the service contract describe it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    #[serde(rename = "type")]
    kind: String,
    title: String,
    status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    instance: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    request_id: Option<String>,
}

impl Problem {
    /// The problem the contract names for `status`; `about:blank` for statuses it does not name.
    #[must_use]
    pub fn from_status(status: StatusCode) -> Self {
        let (kind, title) = match status.as_u16() {
            400 => ("urn:problem-type:validation", "Request validation failed"),
            401 => (
                "urn:problem-type:unauthenticated",
                "Authentication required",
            ),
            403 => ("urn:problem-type:forbidden", "Forbidden"),
            404 => ("urn:problem-type:not-found", "Not found"),
            405 => ("urn:problem-type:method-not-allowed", "Method not allowed"),
            409 => ("urn:problem-type:conflict", "Conflict"),
            415 => (
                "urn:problem-type:unsupported-media-type",
                "Unsupported media type",
            ),
            429 => ("urn:problem-type:rate-limited", "Too many requests"),
            500 => ("urn:problem-type:internal", "Internal server error"),
            503 => ("urn:problem-type:unavailable", "Service unavailable"),
            _ => ("about:blank", status.canonical_reason().unwrap_or("Error")),
        };
        Self {
            kind: kind.to_owned(),
            title: title.to_owned(),
            status: status.as_u16(),
            detail: None,
            instance: None,
            request_id: None,
        }
    }

    /// A 500 whose detail says nothing about the cause, which belongs in the logs only.
    #[must_use]
    pub fn internal() -> Self {
        Self::from_status(StatusCode::INTERNAL_SERVER_ERROR)
            .with_detail("The server could not complete the request.")
    }

    /// Adds a human-readable explanation of this occurrence.
    #[must_use]
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut response = (
            self.status(),
            [(CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON))],
            body,
        )
            .into_response();
        // Kept for `render`, which adds what only the request knows.
        response.extensions_mut().insert(self);
        response
    }
}

/// Middleware: completes every problem with `instance` and `request_id`, and makes a problem of
/// any error status that arrives without a body.
pub async fn render(request: Request, next: Next) -> Response {
    let instance = request.uri().path().to_owned();
    let request_id = request_id::of(&request).map(str::to_owned);
    let response = next.run(request).await;
    let Some(mut problem) = problem_of(&response) else {
        return response;
    };
    problem.instance = Some(instance);
    problem.request_id = request_id;
    let (mut parts, _) = response.into_parts();
    parts.headers.remove(CONTENT_LENGTH);
    parts
        .headers
        .insert(CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    let body = serde_json::to_vec(&problem).unwrap_or_default();
    Response::from_parts(parts, Body::from(body))
}

fn problem_of(response: &Response) -> Option<Problem> {
    if let Some(problem) = response.extensions().get::<Problem>() {
        return Some(problem.clone());
    }
    let status = response.status();
    let bare = response.body().size_hint().exact() == Some(0)
        && !response.headers().contains_key(CONTENT_TYPE);
    (bare && (status.is_client_error() || status.is_server_error()))
        .then(|| Problem::from_status(status))
}

#[cfg(test)]
mod tests {
    use axum::http::header::ALLOW;
    use axum::routing::get;
    use axum::{Router, middleware};
    use http_body_util::BodyExt;
    use serde_json::{Value, json};
    use tower::ServiceExt;

    use super::*;

    async fn send(router: Router, method: &str, uri: &str) -> (Response, Value) {
        let request = Request::builder()
            .method(method)
            .uri(uri)
            .body(Body::empty())
            .unwrap();
        let response = router
            .layer(middleware::from_fn(render))
            .oneshot(request)
            .await
            .unwrap();
        let (parts, body) = response.into_parts();
        let bytes = body.collect().await.unwrap().to_bytes();
        let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        (Response::from_parts(parts, Body::empty()), json)
    }

    #[test]
    fn statuses_map_to_the_contract_types() {
        let problem = Problem::from_status(StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(problem.kind, "urn:problem-type:rate-limited");
        let other = Problem::from_status(StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(other.kind, "about:blank");
        assert_eq!(other.title, "Payload Too Large");
    }

    #[tokio::test]
    async fn a_returned_problem_gets_the_request_path() {
        let router = Router::new().route(
            "/boom",
            get(|| async { Problem::from_status(StatusCode::CONFLICT).with_detail("taken") }),
        );
        let (response, body) = send(router, "GET", "/boom").await;
        assert_eq!(response.status(), StatusCode::CONFLICT);
        assert_eq!(response.headers()[CONTENT_TYPE], PROBLEM_JSON);
        assert_eq!(
            body,
            json!({"type": "urn:problem-type:conflict", "title": "Conflict", "status": 409,
                   "detail": "taken", "instance": "/boom"})
        );
    }

    #[tokio::test]
    async fn an_unknown_route_is_a_not_found_problem() {
        let (response, body) = send(Router::new(), "GET", "/nowhere").await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        assert_eq!(body["type"], "urn:problem-type:not-found");
        assert_eq!(body["instance"], "/nowhere");
    }

    #[tokio::test]
    async fn a_wrong_method_keeps_the_allow_header() {
        let router = Router::new().route("/only-get", get(|| async { "ok" }));
        let (response, body) = send(router, "DELETE", "/only-get").await;
        assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert!(response.headers()[ALLOW].to_str().unwrap().contains("GET"));
        assert_eq!(body["type"], "urn:problem-type:method-not-allowed");
    }

    #[tokio::test]
    async fn successful_and_non_empty_responses_pass_through() {
        let router = Router::new().route("/", get(|| async { (StatusCode::OK, "hello") }));
        let (response, body) = send(router, "GET", "/").await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(body, Value::Null);
    }
}
