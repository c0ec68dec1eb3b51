//! Request input: JSON bodies, query parameters and path ids, checked completely before use.
//!
//! Bodies are parsed into a JSON value first and then checked field by field, so one response
//! lists every failing field (with JSON paths such as `items[0].quantity`) instead of stopping at
//! the first type error as a derived deserializer would.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::header::{CONTENT_ENCODING, CONTENT_TYPE};
use axum::http::request::Parts;
use percent_encoding::percent_decode_str;
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::problem::{FieldError, Problem};
use crate::store::Paging;

/// A request body type: checks a JSON object and builds itself from it.
pub trait FromJson: Sized {
    /// Reads `object` through `check`, which collects every failing field; `None` when any failed.
    fn from_json(object: &Map<String, Value>, check: &mut Check) -> Option<Self>;
}

/// Extractor: a JSON request body, valid as `T` says; 415 for other media types and for
/// compressed bodies, 413 past `MAX_BODY_BYTES`, 400 otherwise.
#[derive(Debug)]
pub struct Body<T>(pub T);

impl<T: FromJson, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = Problem;

    async fn from_request(request: Request, state: &S) -> Result<Self, Problem> {
        if !is_json(request.headers().get(CONTENT_TYPE)) {
            return Err(Problem::unsupported_media_type());
        }
        if !is_identity(request.headers().get(CONTENT_ENCODING)) {
            return Err(Problem::unsupported_content_coding());
        }
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| Problem::from_status(rejection.status()))?;
        let value: Value = serde_json::from_slice(&bytes).map_err(|error| {
            Problem::validation(vec![FieldError::new(
                "body",
                format!("is not valid JSON: {error}"),
            )])
        })?;
        let Value::Object(object) = value else {
            return Err(Problem::validation(vec![FieldError::new(
                "body",
                "must be a JSON object",
            )]));
        };
        let mut check = Check::default();
        let parsed = T::from_json(&object, &mut check);
        check.finish(parsed).map(Body)
    }
}

/// `application/json` or any `+json` type, parameters such as `charset` aside.
fn is_json(content_type: Option<&axum::http::HeaderValue>) -> bool {
    let Some(media_type) = content_type.and_then(|value| value.to_str().ok()) else {
        return false;
    };
    let essence = media_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// No `Content-Encoding`, or `identity`: a body the service reads as it comes.
fn is_identity(content_encoding: Option<&axum::http::HeaderValue>) -> bool {
    content_encoding.is_none_or(|coding| coding.as_bytes().eq_ignore_ascii_case(b"identity"))
}

/// Collects the failing fields of one request.
#[derive(Debug, Default)]
pub struct Check {
    errors: Vec<FieldError>,
}

impl Check {
    /// Records that `field` broke its rule.
    pub fn fail(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.errors.push(FieldError::new(field, message));
    }

    /// A required string of `min..=max` characters (after trimming when `trim`); also refuses NUL,
    /// which PostgreSQL cannot store.
    pub fn text(
        &mut self,
        object: &Map<String, Value>,
        field: &str,
        (min, max): (usize, usize),
        trim: bool,
    ) -> Option<String> {
        let Some(value) = object.get(leaf(field)).filter(|value| !value.is_null()) else {
            self.fail(field, "is required");
            return None;
        };
        self.text_value(value, field, (min, max), trim)
    }

    /// Like [`Check::text`], but absent or `null` is `None` without an error.
    pub fn optional_text(
        &mut self,
        object: &Map<String, Value>,
        field: &str,
        (min, max): (usize, usize),
        trim: bool,
    ) -> Option<String> {
        let value = object.get(leaf(field)).filter(|value| !value.is_null())?;
        self.text_value(value, field, (min, max), trim)
    }

    fn text_value(
        &mut self,
        value: &Value,
        field: &str,
        (min, max): (usize, usize),
        trim: bool,
    ) -> Option<String> {
        let Some(text) = value.as_str() else {
            self.fail(field, "must be a string");
            return None;
        };
        let text = if trim { text.trim() } else { text };
        let length = text.chars().count();
        if text.contains('\0') {
            self.fail(field, "must not contain NUL characters");
        } else if length < min || length > max {
            self.fail(field, format!("must be {min} to {max} characters long"));
        } else {
            return Some(text.to_owned());
        }
        None
    }

    /// A required email address (see [`is_email`]), kept as given.
    pub fn email(&mut self, object: &Map<String, Value>, field: &str) -> Option<String> {
        let address = self.text(object, field, (3, 254), false)?;
        self.email_value(field, address)
    }

    /// Like [`Check::email`], but absent or `null` is `None` without an error.
    pub fn optional_email(&mut self, object: &Map<String, Value>, field: &str) -> Option<String> {
        let address = self.optional_text(object, field, (3, 254), false)?;
        self.email_value(field, address)
    }

    fn email_value(&mut self, field: &str, address: String) -> Option<String> {
        if is_email(&address) {
            Some(address)
        } else {
            self.fail(field, "must be an email address");
            None
        }
    }

    /// A required whole number from `min` to `max`; `1.5` and `"2"` are refused.
    pub fn integer(
        &mut self,
        object: &Map<String, Value>,
        field: &str,
        (min, max): (i64, i64),
    ) -> Option<i64> {
        match object.get(leaf(field)).and_then(Value::as_i64) {
            Some(number) if (min..=max).contains(&number) => Some(number),
            _ => {
                self.fail(field, format!("must be an integer from {min} to {max}"));
                None
            }
        }
    }

    /// A required array of `min..=max` JSON objects.
    pub fn objects<'v>(
        &mut self,
        object: &'v Map<String, Value>,
        field: &str,
        (min, max): (usize, usize),
    ) -> Option<Vec<&'v Map<String, Value>>> {
        let Some(array) = object.get(leaf(field)).and_then(Value::as_array) else {
            self.fail(field, "must be an array");
            return None;
        };
        if array.len() < min || array.len() > max {
            self.fail(field, format!("must hold {min} to {max} entries"));
            return None;
        }
        let mut objects = Vec::with_capacity(array.len());
        for (index, entry) in array.iter().enumerate() {
            match entry.as_object() {
                Some(entry) => objects.push(entry),
                None => self.fail(format!("{field}[{index}]"), "must be an object"),
            }
        }
        (objects.len() == array.len()).then_some(objects)
    }

    /// The value when no field failed, else the validation problem listing them all.
    ///
    /// # Errors
    ///
    /// Returns a 400 problem with every recorded failure.
    pub fn finish<T>(self, value: Option<T>) -> Result<T, Problem> {
        match value {
            Some(value) if self.errors.is_empty() => Ok(value),
            _ => Err(Problem::validation(self.errors)),
        }
    }
}

/// The member name of a JSON path: `items[0].sku` is looked up as `sku` in its own object.
fn leaf(field: &str) -> &str {
    field.rsplit('.').next().unwrap_or(field)
}

/// A syntactically valid email address of at most 254 characters: one `@`, a non-empty local
/// part, and a domain of dot-separated labels. Deliverability is not checked.
#[must_use]
pub fn is_email(address: &str) -> bool {
    let Some((local, domain)) = address.rsplit_once('@') else {
        return false;
    };
    let label_ok = |label: &str| {
        !label.is_empty()
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_alphanumeric() || c == '-')
    };
    address.chars().count() <= 254
        && !local.is_empty()
        && local.len() <= 64
        && !local.contains([
            '@', ' ', '"', '(', ')', ',', ':', ';', '<', '>', '[', '\\', ']',
        ])
        && !local.chars().any(char::is_control)
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && domain.contains('.')
        && domain.split('.').all(label_ok)
}

/// The `name=value` pairs of a query string, percent-decoded (`%31%30` is `10`); a pair that
/// does not decode to UTF-8 keeps its raw text, which then fails validation as written.
pub(crate) fn query_pairs(query: &str) -> impl Iterator<Item = (String, String)> + '_ {
    let decode = |raw: &str| {
        percent_decode_str(raw)
            .decode_utf8()
            .map_or_else(|_| raw.to_owned(), std::borrow::Cow::into_owned)
    };
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(move |(name, value)| (decode(name), decode(value)))
}

/// Extractor: `limit` (1–100, default 20) and `offset` (0 or more, default 0) from the query.
impl<S: Send + Sync> FromRequestParts<S> for Paging {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Problem> {
        let mut paging = Paging::default();
        let mut check = Check::default();
        for (name, value) in query_pairs(parts.uri.query().unwrap_or_default()) {
            match name.as_str() {
                "limit" => match value.parse() {
                    Ok(limit) if (1..=100).contains(&limit) => paging.limit = limit,
                    _ => check.fail("limit", "must be an integer from 1 to 100"),
                },
                "offset" => match value.parse() {
                    Ok(offset) if offset >= 0 => paging.offset = offset,
                    _ => check.fail("offset", "must be an integer of 0 or more"),
                },
                _ => {}
            }
        }
        check.finish(Some(paging))
    }
}

/// A page of a list and where it sits in the whole.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    /// The entries of this page.
    pub data: Vec<T>,
    /// The whole list's size and this page's window.
    pub meta: PageMeta,
}

/// `total` entries in the list; this page starts at `offset` and holds at most `limit`.
#[derive(Debug, Serialize, ToSchema)]
pub struct PageMeta {
    /// Entries in the whole list.
    pub total: i64,
    /// The page size asked for.
    pub limit: i64,
    /// Entries skipped before this page.
    pub offset: i64,
}

impl<T> Page<T> {
    /// `data` as the page `paging` selected from a list of `total` entries.
    #[must_use]
    pub fn new(data: Vec<T>, paging: Paging, total: i64) -> Self {
        Self {
            data,
            meta: PageMeta {
                total,
                limit: paging.limit,
                offset: paging.offset,
            },
        }
    }
}

/// Extractor: the `{id}` path parameter as a UUID; anything else is a 400 naming `id`.
#[derive(Debug, Clone, Copy)]
pub struct PathId(pub Uuid);

impl<S: Send + Sync> FromRequestParts<S> for PathId {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| Problem::not_found("no such resource"))?;
        raw.parse()
            .map(PathId)
            .map_err(|_| Problem::validation(vec![FieldError::new("id", "must be a UUID")]))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn object(value: &Value) -> &Map<String, Value> {
        value.as_object().unwrap()
    }

    #[test]
    fn every_failing_field_is_reported_with_its_path() {
        let body = json!({"name": "  ", "items": [{"quantity": 1.5}]});
        let mut check = Check::default();
        check.text(object(&body), "name", (1, 100), true);
        let items = check.objects(object(&body), "items", (1, 100)).unwrap();
        check.integer(items[0], "items[0].quantity", (1, 1000));
        check.text(items[0], "items[0].sku", (1, 64), false);
        let fields: Vec<String> = check
            .errors
            .iter()
            .map(|error| error.field.clone())
            .collect();
        assert_eq!(fields, ["name", "items[0].quantity", "items[0].sku"]);
    }

    #[test]
    fn text_is_trimmed_only_when_asked() {
        let body = json!({"name": "  Ann  "});
        let mut check = Check::default();
        assert_eq!(
            check.text(object(&body), "name", (1, 100), true).as_deref(),
            Some("Ann")
        );
        assert_eq!(
            check
                .text(object(&body), "name", (1, 100), false)
                .as_deref(),
            Some("  Ann  ")
        );
    }

    #[test]
    fn recognises_email_addresses() {
        for good in ["ann@example.com", "Ann.B+shop@Mail.Example.org"] {
            assert!(is_email(good), "{good}");
        }
        for bad in [
            "nope",
            "@example.com",
            "ann@",
            "ann@localhost",
            "a b@example.com",
            "ann@-x.com",
        ] {
            assert!(!is_email(bad), "{bad}");
        }
    }

    #[test]
    fn json_media_types_include_suffixes_and_parameters() {
        let header = |value: &'static str| Some(axum::http::HeaderValue::from_static(value));
        assert!(is_json(header("application/json; charset=utf-8").as_ref()));
        assert!(is_json(header("application/merge-patch+json").as_ref()));
        assert!(!is_json(header("text/plain").as_ref()));
        assert!(!is_json(None));
    }

    #[test]
    fn query_parameters_are_percent_decoded() {
        let pairs: Vec<(String, String)> =
            query_pairs("limit=%31%30&off%73et=%30&bad=%FF").collect();
        assert_eq!(
            pairs,
            [
                ("limit".to_owned(), "10".to_owned()),
                ("offset".to_owned(), "0".to_owned()),
                ("bad".to_owned(), "%FF".to_owned()),
            ]
        );
    }

    #[test]
    fn only_uncompressed_bodies_are_read() {
        let header = |value: &'static str| Some(axum::http::HeaderValue::from_static(value));
        assert!(is_identity(None));
        assert!(is_identity(header("Identity").as_ref()));
        assert!(!is_identity(header("gzip").as_ref()));
    }
}
