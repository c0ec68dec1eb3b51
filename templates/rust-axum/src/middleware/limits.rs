//! Request bodies bounded by `MAX_BODY_BYTES`, refused before they are read when they say their
//! length.

use axum::extract::{Request, State};
use axum::http::header::CONTENT_LENGTH;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::problem::Problem;

/// Middleware: a request whose `Content-Length` exceeds `limit` is answered 413 at once, its body
/// never read. Bodies without a length are counted as they arrive by the body extractor, under
/// the same limit (`DefaultBodyLimit`).
pub async fn declared_length(State(limit): State<usize>, request: Request, next: Next) -> Response {
    let declared = request
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    match declared {
        Some(length) if length > u64::try_from(limit).unwrap_or(u64::MAX) => {
            Problem::payload_too_large(limit).into_response()
        }
        _ => next.run(request).await,
    }
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::StatusCode;
    use axum::routing::post;
    use axum::{Router, middleware};
    use tower::ServiceExt;

    use super::*;

    fn app(limit: usize) -> Router {
        Router::new()
            .route("/", post(|body: String| async move { body }))
            .layer(middleware::from_fn_with_state(limit, declared_length))
    }

    async fn status(limit: usize, length: usize) -> StatusCode {
        let request = Request::post("/")
            .header(CONTENT_LENGTH, length)
            .body(Body::from(vec![b'x'; length]))
            .unwrap();
        app(limit).oneshot(request).await.unwrap().status()
    }

    #[tokio::test]
    async fn a_declared_length_over_the_limit_is_refused_and_one_at_it_served() {
        assert_eq!(status(16, 17).await, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(status(16, 16).await, StatusCode::OK);
    }
}
