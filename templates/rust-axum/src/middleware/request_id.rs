//! `X-Request-ID`: taken from the caller when it is 1–128 visible ASCII characters, otherwise a
//! new UUID; tower-http's request-id layers set it on the request and echo it on the response.

use axum::extract::Request;
use axum::http::HeaderValue;
use tower_http::request_id::{
    MakeRequestUuid, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};

/// The header carrying the request id, in both directions.
pub const HEADER: &str = "x-request-id";

/// Layer: gives requests without a (valid) id a new UUID.
#[must_use]
pub fn set() -> SetRequestIdLayer<MakeRequestUuid> {
    SetRequestIdLayer::x_request_id(MakeRequestUuid)
}

/// Layer: copies the request's id onto the response.
#[must_use]
pub fn propagate() -> PropagateRequestIdLayer {
    PropagateRequestIdLayer::x_request_id()
}

/// Middleware (runs before [`set`]): drops an id a caller sent that the contract does not accept,
/// so that it is replaced rather than trusted.
pub async fn drop_invalid(mut request: Request) -> Request {
    if request
        .headers()
        .get(HEADER)
        .is_some_and(|id| !is_valid(id))
    {
        request.headers_mut().remove(HEADER);
    }
    request
}

/// The request's id, once [`set`] has run.
#[must_use]
pub fn of(request: &Request) -> Option<&str> {
    request
        .extensions()
        .get::<RequestId>()
        .and_then(|id| id.header_value().to_str().ok())
}

fn is_valid(id: &HeaderValue) -> bool {
    (1..=128).contains(&id.len())
        && id
            .as_bytes()
            .iter()
            .all(|byte| (0x21..=0x7e).contains(byte))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_up_to_128_visible_ascii_characters() {
        assert!(is_valid(&HeaderValue::from_static("conformance-42")));
        assert!(is_valid(&HeaderValue::from_str(&"x".repeat(128)).unwrap()));
    }

    #[test]
    fn refuses_empty_long_and_spaced_ids() {
        assert!(!is_valid(&HeaderValue::from_static("")));
        assert!(!is_valid(&HeaderValue::from_str(&"x".repeat(129)).unwrap()));
        assert!(!is_valid(&HeaderValue::from_static("two words")));
    }
}
