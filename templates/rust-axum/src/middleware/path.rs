//! One spelling per path: percent-encoded unreserved characters are decoded before routing, as
//! RFC 3986 (section 6.2.2.2) says they mean the same, so `/api/v1/auth/%6Cogin` is routed,
//! rate limited and measured as `/api/v1/auth/login` rather than as a path of its own.

use axum::extract::Request;
use axum::http::Uri;
use axum::http::uri::PathAndQuery;

/// For a `MapRequestLayer` before routing: the request with its path's unreserved characters
/// decoded. Other escapes, `%2F` among them, stay as they are, so no path separator appears.
pub fn decode_unreserved(mut request: Request) -> Request {
    let uri = request.uri();
    if let Some(path) = decoded(uri.path()) {
        let path_and_query = match uri.query() {
            Some(query) => format!("{path}?{query}"),
            None => path,
        };
        let mut parts = uri.clone().into_parts();
        parts.path_and_query = PathAndQuery::try_from(path_and_query).ok();
        if let Ok(normalized) = Uri::from_parts(parts) {
            *request.uri_mut() = normalized;
        }
    }
    request
}

/// `path` with each `%XX` that encodes a letter, a digit, `-`, `.`, `_` or `~` decoded; `None`
/// when there is none.
fn decoded(path: &str) -> Option<String> {
    if !path.contains('%') {
        return None;
    }
    let mut decoded = String::with_capacity(path.len());
    let mut changed = false;
    let mut rest = path;
    while let Some(at) = rest.find('%') {
        decoded.push_str(&rest[..at]);
        let unreserved = rest
            .get(at + 1..at + 3)
            .filter(|hex| hex.bytes().all(|digit| digit.is_ascii_hexdigit()))
            .and_then(|hex| u8::from_str_radix(hex, 16).ok())
            .filter(|byte| byte.is_ascii_alphanumeric() || b"-._~".contains(byte));
        if let Some(byte) = unreserved {
            decoded.push(char::from(byte));
            changed = true;
            rest = &rest[at + 3..];
        } else {
            decoded.push('%');
            rest = &rest[at + 1..];
        }
    }
    decoded.push_str(rest);
    changed.then_some(decoded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_unreserved_characters_only() {
        assert_eq!(
            decoded("/api/v1/auth/%6Cogi%6e").as_deref(),
            Some("/api/v1/auth/login")
        );
        assert_eq!(
            decoded("/a%2Fb/%7Euser%2d1").as_deref(),
            Some("/a%2Fb/~user-1")
        );
    }

    #[test]
    fn leaves_a_path_without_unreserved_escapes_alone() {
        for path in ["/api/v1/orders", "/a%2Fb", "/50%", "/%zz", "/%4", "/%C3%A9"] {
            assert_eq!(decoded(path), None, "{path}");
        }
    }

    #[test]
    fn keeps_the_query_as_it_was_sent() {
        let request = Request::builder()
            .uri("/api/v1/%75sers?limit=%31%30")
            .body(axum::body::Body::empty())
            .unwrap();
        let normalized = decode_unreserved(request);
        assert_eq!(normalized.uri(), "/api/v1/users?limit=%31%30");
    }
}
