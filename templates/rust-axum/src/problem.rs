//! RFC 9457 problem details: the one shape of every error response.
//!
//! Handlers return a [`Problem`] (or an error that converts into one); the [`render`] middleware
//! completes it with the request's path and id, and turns the bare error statuses that routing
//! and tower layers produce (404, 405, timeouts) into problems too.

use axum::body::{Body, HttpBody};
use axum::extract::Request;
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE, RETRY_AFTER, WWW_AUTHENTICATE};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
use utoipa::{ToResponse, ToSchema};

use crate::middleware::request_id;

/// The media type of problem responses.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An error response, as RFC 9457 and the service contract describe it. Boxed, so that the
/// `Result`s carrying it stay small.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem(Box<Details>);

/// The members of an RFC 9457 problem, as every error response carries them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = Problem)]
pub struct Details {
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
    #[serde(skip_serializing_if = "Vec::is_empty")]
    errors: Vec<FieldError>,
    /// Members particular to one problem type, such as `from` and `to` of `invalid-transition`.
    #[serde(flatten)]
    #[schema(ignore)]
    extensions: Map<String, Value>,
    /// Response headers the problem type calls for (`WWW-Authenticate`, `Retry-After`).
    #[serde(skip)]
    headers: Vec<(HeaderName, HeaderValue)>,
}

/// One failing field of a request: a JSON path (`items[0].quantity`) or a parameter name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// Where the value was, such as `email` or `items[0].quantity`.
    pub field: String,
    /// What the value must be, such as `must be between 1 and 1000`.
    pub message: String,
}

impl FieldError {
    /// `field` failed its rule, explained by `message`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
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
            413 => ("urn:problem-type:payload-too-large", "Payload too large"),
            415 => (
                "urn:problem-type:unsupported-media-type",
                "Unsupported media type",
            ),
            429 => ("urn:problem-type:rate-limited", "Too many requests"),
            500 => ("urn:problem-type:internal", "Internal server error"),
            503 => ("urn:problem-type:unavailable", "Service unavailable"),
            _ => ("about:blank", status.canonical_reason().unwrap_or("Error")),
        };
        Self(Box::new(Details {
            kind: kind.to_owned(),
            title: title.to_owned(),
            status: status.as_u16(),
            detail: None,
            instance: None,
            request_id: None,
            errors: Vec::new(),
            extensions: Map::new(),
            headers: Vec::new(),
        }))
    }

    /// 400: the request broke these rules; every failing field is listed.
    #[must_use]
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let detail = match errors.len() {
            1 => "1 field is invalid".to_owned(),
            count => format!("{count} fields are invalid"),
        };
        let mut problem = Self::from_status(StatusCode::BAD_REQUEST).with_detail(detail);
        problem.errors = errors;
        problem
    }

    /// 401, with the `WWW-Authenticate` challenge the contract requires.
    #[must_use]
    pub fn unauthenticated(detail: impl Into<String>) -> Self {
        Self::from_status(StatusCode::UNAUTHORIZED)
            .with_detail(detail)
            .with_header(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"))
    }

    /// 403: the caller is known but may not do this.
    #[must_use]
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::from_status(StatusCode::FORBIDDEN).with_detail(detail)
    }

    /// 404: no such resource, or none the caller may see.
    #[must_use]
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::from_status(StatusCode::NOT_FOUND).with_detail(detail)
    }

    /// 409: the request conflicts with the current state, such as a taken email address.
    #[must_use]
    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::from_status(StatusCode::CONFLICT).with_detail(detail)
    }

    /// 409 `invalid-transition`: an order cannot move from status `from` to `to`.
    #[must_use]
    pub fn invalid_transition(from: &str, to: &str) -> Self {
        let mut problem = Self::conflict(format!("an order cannot go from {from} to {to}"));
        "urn:problem-type:invalid-transition".clone_into(&mut problem.kind);
        "Invalid status transition".clone_into(&mut problem.title);
        problem.extensions.insert("from".to_owned(), from.into());
        problem.extensions.insert("to".to_owned(), to.into());
        problem
    }

    /// 413: the request body is larger than the `limit` of bytes the service accepts.
    #[must_use]
    pub fn payload_too_large(limit: usize) -> Self {
        Self::from_status(StatusCode::PAYLOAD_TOO_LARGE)
            .with_detail(format!("the request body must be at most {limit} bytes"))
    }

    /// 415: request bodies must be JSON.
    #[must_use]
    pub fn unsupported_media_type() -> Self {
        Self::from_status(StatusCode::UNSUPPORTED_MEDIA_TYPE)
            .with_detail("the request body must be application/json")
    }

    /// 415: the body comes in a content coding (such as gzip) the service does not decode, so it
    /// is never inflated past `MAX_BODY_BYTES`.
    #[must_use]
    pub fn unsupported_content_coding() -> Self {
        Self::from_status(StatusCode::UNSUPPORTED_MEDIA_TYPE)
            .with_detail("request bodies must not be compressed (Content-Encoding)")
    }

    /// 429, telling the client when the window resets.
    #[must_use]
    pub fn rate_limited(retry_after_seconds: u64) -> Self {
        Self::from_status(StatusCode::TOO_MANY_REQUESTS)
            .with_detail("too many requests; retry later")
            .with_header(RETRY_AFTER, HeaderValue::from(retry_after_seconds))
    }

    /// 503: a dependency this request needs is down.
    #[must_use]
    pub fn unavailable(detail: impl Into<String>) -> Self {
        Self::from_status(StatusCode::SERVICE_UNAVAILABLE).with_detail(detail)
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

    fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }

    fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

impl std::ops::Deref for Problem {
    type Target = Details;

    fn deref(&self) -> &Details {
        &self.0
    }
}

impl std::ops::DerefMut for Problem {
    fn deref_mut(&mut self) -> &mut Details {
        &mut self.0
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
        for (name, value) in &self.headers {
            response.headers_mut().insert(name, value.clone());
        }
        // Kept for `render`, which adds what only the request knows.
        response.extensions_mut().insert(self);
        response
    }
}

/// Every error status of the API document answers with this one response, a problem.
impl<'r> ToResponse<'r> for Problem {
    fn response() -> (&'r str, RefOr<utoipa::openapi::Response>) {
        let content = ContentBuilder::new()
            .schema(Some(Ref::from_schema_name("Problem")))
            .build();
        let response = ResponseBuilder::new()
            .description("An RFC 9457 problem; `type` names its kind, `errors` the failing fields.")
            .content(PROBLEM_JSON, content)
            .build();
        ("Problem", response.into())
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
        let too_large = Problem::from_status(StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(too_large.kind, "urn:problem-type:payload-too-large");
        let other = Problem::from_status(StatusCode::IM_A_TEAPOT);
        assert_eq!(other.kind, "about:blank");
        assert_eq!(other.title, "I'm a teapot");
    }

    #[test]
    fn validation_problems_list_every_field() {
        let problem = Problem::validation(vec![
            FieldError::new("email", "must be an email address"),
            FieldError::new("items[0].quantity", "must be between 1 and 1000"),
        ]);
        let body = serde_json::to_value(&problem).unwrap();
        assert_eq!(body["detail"], "2 fields are invalid");
        assert_eq!(body["errors"][1]["field"], "items[0].quantity");
    }

    #[test]
    fn an_invalid_transition_names_both_statuses() {
        let body =
            serde_json::to_value(Problem::invalid_transition("shipped", "cancelled")).unwrap();
        assert_eq!(body["type"], "urn:problem-type:invalid-transition");
        assert_eq!(
            (&body["from"], &body["to"]),
            (&json!("shipped"), &json!("cancelled"))
        );
    }

    #[test]
    fn challenges_and_retry_hints_become_headers() {
        let response = Problem::unauthenticated("no token").into_response();
        assert_eq!(response.headers()[WWW_AUTHENTICATE], "Bearer");
        let response = Problem::rate_limited(42).into_response();
        assert_eq!(response.headers()[RETRY_AFTER], "42");
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
