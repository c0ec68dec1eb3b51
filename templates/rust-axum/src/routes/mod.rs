//! HTTP routes, one module per resource.

pub mod health;
pub mod metrics;
pub mod openapi;

use axum::Router;
use axum::routing::get;

use crate::app::AppState;

/// The operations endpoints, which the access log and the request metrics leave out.
pub const OPERATIONS: [&str; 4] = ["/healthz", "/readyz", "/metrics", "/openapi.json"];

/// Every route the service serves.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(metrics::metrics))
        .route("/openapi.json", get(openapi::openapi))
}
